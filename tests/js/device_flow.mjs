#!/usr/bin/env node
// Remember a device and sign in with it, with the JavaScript clients, as an app would:
// Amplify JS v6 (aws-amplify, pointed at the server with `userPoolEndpoint`) and
// amazon-cognito-identity-js. The user exists already with a software token (made by the
// Python test, whose secret is --totp-secret); codes come from pyotp (run through --python).
// Each client keeps its device keys in a storage of this process (a Map), as a browser's
// localStorage would keep them.
//
//   node device_flow.mjs --mode MODE --endpoint URL --pool-id ID --client-id ID
//                        --username NAME --password PASSWORD --python PATH --totp-secret S
//
// Modes:
//   amplify      signIn -> CONFIRM_SIGN_IN_WITH_TOTP_CODE -> confirmSignIn(code) -> DONE
//                (Amplify confirms the new device itself) -> rememberDevice -> fetchDevices
//                -> signOut -> signIn -> DONE (the device replaced MFA: device SRP) ->
//                fetchAuthSession({forceRefresh}) (refresh with the device key) -> the
//                device forgotten behind Amplify's back (SDK v3 ForgetDevice) -> signOut ->
//                signIn -> "Device does not exist.", Amplify drops the key and retries ->
//                CONFIRM_SIGN_IN_WITH_TOTP_CODE
//   identity-js  authenticateUser (SRP) -> totpRequired -> sendMFACode -> onSuccess (the
//                library confirms the device) -> setDeviceStatusRemembered -> listDevices ->
//                a new CognitoUser: authenticateUser -> onSuccess without totpRequired
//                (DEVICE_SRP_AUTH with the cached device key)
//
// Prints one JSON line on stdout (the steps seen and what was checked) and exits 0; on any
// failure prints the error on stderr and exits 1 (2 for bad options).

import { execFile } from "node:child_process";
import { parseArgs, promisify } from "node:util";

import {
  CognitoIdentityProviderClient,
  ForgetDeviceCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from "amazon-cognito-identity-js";
import { Amplify } from "aws-amplify";
import {
  confirmSignIn,
  fetchAuthSession,
  fetchDevices,
  rememberDevice,
  signIn,
  signOut,
} from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";

const OPTIONS = [
  "mode",
  "endpoint",
  "pool-id",
  "client-id",
  "username",
  "password",
  "python",
  "totp-secret",
];
const run = promisify(execFile);

// Amplify names a new device after the browser (`navigator.userAgent`) before it calls
// ConfirmDevice, and silently keeps no device when it cannot; Node.js before 21 has no
// `navigator`, so this process stands in for a browser's.
if (typeof globalThis.navigator === "undefined") {
  globalThis.navigator = { userAgent: "userpool-tests (Node.js)" };
}

class UsageError extends Error {}

function options() {
  const { values } = parseArgs({
    options: Object.fromEntries(OPTIONS.map((k) => [k, { type: "string" }])),
    strict: true,
  });
  for (const name of OPTIONS) {
    if (!values[name]) throw new UsageError(`missing --${name}`);
  }
  if (!["amplify", "identity-js"].includes(values.mode)) {
    throw new UsageError(`unknown --mode ${values.mode}`);
  }
  return { ...values, endpoint: values.endpoint.replace(/\/+$/, "") };
}

/** The authenticator app's code, `steps` time steps from now (pyotp). */
async function totp(opts, steps) {
  const script =
    "import sys, time, pyotp; print(pyotp.TOTP(sys.argv[1]).at(time.time() + 30 * int(sys.argv[2])))";
  const { stdout } = await run(opts.python, ["-c", script, opts["totp-secret"], String(steps)], {
    timeout: 30_000,
  });
  return stdout.trim();
}

/** A key-value storage in this process, as Amplify's and identity-js's storages are used. */
class MapStorage {
  constructor() {
    this.map = new Map();
  }
  // Amplify's KeyValueStorageInterface (async)
  async setItem(key, value) {
    this.map.set(key, String(value));
  }
  async getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  async removeItem(key) {
    this.map.delete(key);
  }
  async clear() {
    this.map.clear();
  }
  keys() {
    return [...this.map.keys()];
  }
}

/** The same storage for amazon-cognito-identity-js, which calls it synchronously. */
class SyncStorage {
  constructor() {
    this.map = new Map();
  }
  setItem(key, value) {
    this.map.set(key, String(value));
    return this.map.get(key);
  }
  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  removeItem(key) {
    return this.map.delete(key);
  }
  clear() {
    this.map.clear();
  }
}

async function amplify(opts) {
  const storage = new MapStorage();
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: opts["pool-id"],
        userPoolClientId: opts["client-id"],
        userPoolEndpoint: opts.endpoint,
      },
    },
  });
  cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);
  const out = { steps: [] };
  const step = (result, expected) => {
    const got = result.isSignedIn ? "DONE" : result.nextStep.signInStep;
    if (got !== expected) throw new Error(`expected ${expected}, got ${JSON.stringify(result)}`);
    out.steps.push(expected);
    return result;
  };
  const credentials = { username: opts.username, password: opts.password };
  const deviceKey = async () => {
    const key = storage.keys().find((k) => k.endsWith(".deviceKey"));
    return key ? storage.getItem(key) : null;
  };

  step(await signIn(credentials), "CONFIRM_SIGN_IN_WITH_TOTP_CODE");
  step(await confirmSignIn({ challengeResponse: await totp(opts, 1) }), "DONE");
  out.deviceKey = await deviceKey(); // Amplify confirmed the device it was given
  if (!out.deviceKey) throw new Error(`no device kept: ${JSON.stringify(storage.keys())}`);
  await rememberDevice();
  out.devices = (await fetchDevices()).map((d) => ({ id: d.id, name: d.name ?? null }));
  await signOut();

  step(await signIn(credentials), "DONE"); // no MFA: the remembered device proved itself
  const session = await fetchAuthSession();
  out.secondClaims = session.tokens.idToken.payload;
  const refreshed = await fetchAuthSession({ forceRefresh: true });
  out.refreshed = refreshed.tokens.accessToken.toString() !== session.tokens.accessToken.toString();

  // Forget the device without telling Amplify: its next sign-in sends the key, hears
  // "Device does not exist.", drops the key and signs in again without it (MFA again).
  const sdk = new CognitoIdentityProviderClient({
    endpoint: opts.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
    maxAttempts: 1,
  });
  await sdk.send(
    new ForgetDeviceCommand({
      AccessToken: refreshed.tokens.accessToken.toString(),
      DeviceKey: out.deviceKey,
    }),
  );
  await signOut();
  step(await signIn(credentials), "CONFIRM_SIGN_IN_WITH_TOTP_CODE");
  out.keyAfterRetry = await deviceKey();
  return out;
}

function identityJs(opts) {
  const storage = new SyncStorage();
  const pool = new CognitoUserPool({
    UserPoolId: opts["pool-id"],
    ClientId: opts["client-id"],
    endpoint: opts.endpoint,
    Storage: storage,
  });
  const details = new AuthenticationDetails({
    Username: opts.username,
    Password: opts.password,
  });
  const out = { steps: [] };
  const signInOnce = (user, allowTotp) =>
    new Promise((resolve, reject) => {
      const callbacks = {
        onSuccess: (session, userConfirmationNecessary) => {
          out.steps.push(`onSuccess:${userConfirmationNecessary === true}`);
          resolve(session);
        },
        onFailure: reject,
        newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
        mfaRequired: () => reject(new Error("unexpected SMS_MFA")),
        customChallenge: () => reject(new Error("unexpected CUSTOM_CHALLENGE")),
        selectMFAType: () => reject(new Error("unexpected SELECT_MFA_TYPE")),
        mfaSetup: () => reject(new Error("unexpected MFA_SETUP")),
        totpRequired: (challengeName) => {
          out.steps.push(`totpRequired:${challengeName}`);
          if (!allowTotp) {
            reject(new Error("asked for MFA on a remembered device"));
            return;
          }
          totp(opts, 1).then(
            (code) => user.sendMFACode(code, callbacks, "SOFTWARE_TOKEN_MFA"),
            reject,
          );
        },
      };
      user.authenticateUser(details, callbacks);
    });
  const callback = (fn) =>
    new Promise((resolve, reject) => fn({ onSuccess: resolve, onFailure: reject }));

  return (async () => {
    const first = new CognitoUser({ Username: opts.username, Pool: pool, Storage: storage });
    await signInOnce(first, true);
    out.deviceKey = first.deviceKey;
    await callback((cb) => first.setDeviceStatusRemembered(cb));
    out.steps.push("setDeviceStatusRemembered");
    const listed = await new Promise((resolve, reject) =>
      first.listDevices(60, null, { onSuccess: resolve, onFailure: reject }),
    );
    out.devices = listed.Devices.map((d) => d.DeviceKey);
    // a new CognitoUser, as after a restart: the device key comes from the storage
    const second = new CognitoUser({ Username: opts.username, Pool: pool, Storage: storage });
    const session = await signInOnce(second, false);
    out.secondClaims = session.getIdToken().payload;
    out.secondDeviceKey = second.deviceKey;
    return out;
  })();
}

function describe(err) {
  return { code: err.code ?? null, name: err.name ?? null, message: err.message ?? String(err) };
}

async function main() {
  let opts;
  try {
    opts = options();
  } catch (err) {
    process.stderr.write(`device_flow: ${err.message}\n`);
    return 2;
  }
  return opts.mode === "amplify" ? amplify(opts) : identityJs(opts);
}

main().then(
  (result) => {
    if (typeof result === "number") {
      process.exitCode = result;
      return;
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  },
  (err) => {
    process.stderr.write(`device_flow: ${JSON.stringify(describe(err))}\n${err.stack ?? ""}\n`);
    process.exitCode = 1;
  },
);
