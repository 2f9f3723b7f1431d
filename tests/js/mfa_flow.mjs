#!/usr/bin/env node
// Sign a user in through MFA with the JavaScript clients, as an app would: Amplify JS v6
// (aws-amplify, pointed at the server with `userPoolEndpoint`) and amazon-cognito-identity-js.
// The user exists already (made by the Python test); codes come from pyotp (software tokens,
// run through --python) and from `userpool outbox` (SMS and email codes).
//
//   node mfa_flow.mjs --mode MODE --endpoint URL --pool-id ID --client-id ID
//                     --username NAME --password PASSWORD --userpool PATH --db DB
//                     --python PATH [--destination PHONE-OR-EMAIL] [--totp-secret SECRET]
//
// Modes:
//   amplify-totp-setup   signIn -> CONTINUE_SIGN_IN_WITH_TOTP_SETUP -> confirmSignIn(code) ->
//                        signed in; signOut; signIn -> CONFIRM_SIGN_IN_WITH_TOTP_CODE ->
//                        confirmSignIn(next code) -> signed in
//   amplify-sms          signIn -> CONFIRM_SIGN_IN_WITH_SMS_CODE -> confirmSignIn(outbox code)
//   amplify-email        signIn -> CONFIRM_SIGN_IN_WITH_EMAIL_CODE -> confirmSignIn(outbox code)
//   amplify-email-setup  signIn -> CONTINUE_SIGN_IN_WITH_EMAIL_SETUP -> confirmSignIn(address)
//                        -> CONFIRM_SIGN_IN_WITH_EMAIL_CODE -> confirmSignIn(outbox code)
//   amplify-select       signIn -> CONTINUE_SIGN_IN_WITH_MFA_SELECTION -> confirmSignIn("TOTP")
//                        -> CONFIRM_SIGN_IN_WITH_TOTP_CODE -> confirmSignIn(code of
//                        --totp-secret)
//   identity-js-totp     amazon-cognito-identity-js authenticateUser (SRP) -> totpRequired ->
//                        sendMFACode(code of --totp-secret, callbacks, "SOFTWARE_TOKEN_MFA")
//                        -> onSuccess
//   identity-js-setup    authenticateUser -> mfaSetup -> associateSoftwareToken ->
//                        verifySoftwareToken(code) -> onSuccess
//
// Prints one JSON line on stdout (the steps seen, the ID token's claims) and exits 0; on any
// failure prints the error on stderr and exits 1 (2 for bad options).

import { execFile } from "node:child_process";
import { parseArgs, promisify } from "node:util";

import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from "amazon-cognito-identity-js";
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, signIn, signOut } from "aws-amplify/auth";

const OPTIONS = [
  "mode",
  "endpoint",
  "pool-id",
  "client-id",
  "username",
  "password",
  "userpool",
  "db",
  "python",
  "destination",
  "totp-secret",
];
const MODES = [
  "amplify-totp-setup",
  "amplify-sms",
  "amplify-email",
  "amplify-email-setup",
  "amplify-select",
  "identity-js-totp",
  "identity-js-setup",
];
const run = promisify(execFile);

class UsageError extends Error {}

function options() {
  const { values } = parseArgs({
    options: Object.fromEntries(OPTIONS.map((k) => [k, { type: "string" }])),
    strict: true,
  });
  for (const name of OPTIONS.filter((n) => !["destination", "totp-secret"].includes(n))) {
    if (!values[name]) throw new UsageError(`missing --${name}`);
  }
  if (!MODES.includes(values.mode)) throw new UsageError(`unknown --mode ${values.mode}`);
  return { ...values, endpoint: values.endpoint.replace(/\/+$/, "") };
}

/** The authenticator app's code for `secret`, `steps` time steps from now (pyotp). */
async function totp(opts, secret, steps = 0) {
  const script =
    "import sys, time, pyotp; print(pyotp.TOTP(sys.argv[1]).at(time.time() + 30 * int(sys.argv[2])))";
  const { stdout } = await run(opts.python, ["-c", script, secret, String(steps)], {
    timeout: 30_000,
  });
  return stdout.trim();
}

/** The code in the newest outbox message to `destination` (`userpool outbox`, oldest first). */
async function outboxCode(opts, destination) {
  const { stdout } = await run(opts.userpool, ["outbox", "--db", opts.db, "--limit", "20"], {
    timeout: 30_000,
  });
  let code;
  let ours = false;
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) {
      ours = line.split(/\s+/).includes(destination);
      continue;
    }
    const found = ours ? line.match(/\b\d{6}\b/g) : null;
    if (found) code = found[found.length - 1];
  }
  if (!code) throw new Error(`no code for ${destination} in \`userpool outbox\`:\n${stdout}`);
  return code;
}

function expectStep(result, step) {
  const got = result.isSignedIn ? "DONE" : result.nextStep.signInStep;
  if (got !== step) throw new Error(`expected ${step}, got ${JSON.stringify(result)}`);
  return result;
}

/** The signed-in user's ID token claims (Amplify keeps the tokens it got). */
async function amplifyClaims() {
  const session = await fetchAuthSession();
  return session.tokens.idToken.payload;
}

async function amplify(opts) {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: opts["pool-id"],
        userPoolClientId: opts["client-id"],
        userPoolEndpoint: opts.endpoint,
      },
    },
  });
  const out = { steps: [] };
  const step = (result, expected) => {
    expectStep(result, expected);
    out.steps.push(expected);
    return result;
  };
  const credentials = { username: opts.username, password: opts.password };
  if (opts.mode === "amplify-totp-setup") {
    const setup = step(await signIn(credentials), "CONTINUE_SIGN_IN_WITH_TOTP_SETUP");
    const secret = setup.nextStep.totpSetupDetails.sharedSecret;
    out.sharedSecret = secret;
    out.setupUri = setup.nextStep.totpSetupDetails.getSetupUri("userpool-tests").toString();
    step(await confirmSignIn({ challengeResponse: await totp(opts, secret) }), "DONE");
    out.firstClaims = await amplifyClaims();
    await signOut();
    step(await signIn(credentials), "CONFIRM_SIGN_IN_WITH_TOTP_CODE");
    // the step the set-up used is spent: the app's next code
    step(await confirmSignIn({ challengeResponse: await totp(opts, secret, 1) }), "DONE");
  } else if (opts.mode === "amplify-sms" || opts.mode === "amplify-email") {
    const sms = opts.mode === "amplify-sms";
    const asked = step(
      await signIn(credentials),
      sms ? "CONFIRM_SIGN_IN_WITH_SMS_CODE" : "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
    );
    out.codeDeliveryDetails = asked.nextStep.codeDeliveryDetails;
    const code = await outboxCode(opts, opts.destination);
    step(await confirmSignIn({ challengeResponse: code }), "DONE");
  } else if (opts.mode === "amplify-email-setup") {
    step(await signIn(credentials), "CONTINUE_SIGN_IN_WITH_EMAIL_SETUP");
    const asked = step(
      await confirmSignIn({ challengeResponse: opts.destination }),
      "CONFIRM_SIGN_IN_WITH_EMAIL_CODE",
    );
    out.codeDeliveryDetails = asked.nextStep.codeDeliveryDetails;
    const code = await outboxCode(opts, opts.destination);
    step(await confirmSignIn({ challengeResponse: code }), "DONE");
  } else if (opts.mode === "amplify-select") {
    const asked = step(await signIn(credentials), "CONTINUE_SIGN_IN_WITH_MFA_SELECTION");
    out.allowedMFATypes = asked.nextStep.allowedMFATypes;
    step(await confirmSignIn({ challengeResponse: "TOTP" }), "CONFIRM_SIGN_IN_WITH_TOTP_CODE");
    const secret = opts["totp-secret"];
    step(await confirmSignIn({ challengeResponse: await totp(opts, secret, 1) }), "DONE");
  }
  out.claims = await amplifyClaims();
  await signOut();
  return out;
}

function identityJs(opts) {
  const pool = new CognitoUserPool({
    UserPoolId: opts["pool-id"],
    ClientId: opts["client-id"],
    endpoint: opts.endpoint,
  });
  const user = new CognitoUser({ Username: opts.username, Pool: pool });
  const details = new AuthenticationDetails({
    Username: opts.username,
    Password: opts.password,
  });
  const out = { steps: [] };
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session) => {
        out.steps.push("onSuccess");
        out.claims = session.getIdToken().payload;
        resolve(out);
      },
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
      mfaRequired: () => reject(new Error("unexpected SMS_MFA")),
      customChallenge: () => reject(new Error("unexpected CUSTOM_CHALLENGE")),
      selectMFAType: () => reject(new Error("unexpected SELECT_MFA_TYPE")),
      totpRequired: (challengeName, parameters) => {
        out.steps.push(`totpRequired:${challengeName}`);
        out.totpParameters = parameters;
        totp(opts, opts["totp-secret"], 1).then(
          (code) => user.sendMFACode(code, callbacks, "SOFTWARE_TOKEN_MFA"),
          reject,
        );
      },
      mfaSetup: (challengeName, parameters) => {
        out.steps.push(`mfaSetup:${challengeName}`);
        out.setupParameters = parameters;
        user.associateSoftwareToken({
          associateSecretCode: (secret) => {
            out.steps.push("associateSecretCode");
            out.sharedSecret = secret;
            totp(opts, secret).then(
              (code) => user.verifySoftwareToken(code, "tests", callbacks),
              reject,
            );
          },
          onFailure: reject,
        });
      },
    };
    user.authenticateUser(details, callbacks);
  });
}

function describe(err) {
  return { code: err.code ?? null, name: err.name ?? null, message: err.message ?? String(err) };
}

async function main() {
  let opts;
  try {
    opts = options();
  } catch (err) {
    process.stderr.write(`mfa_flow: ${err.message}\n`);
    return 2;
  }
  return opts.mode.startsWith("amplify-") ? amplify(opts) : identityJs(opts);
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
    process.stderr.write(`mfa_flow: ${JSON.stringify(describe(err))}\n${err.stack ?? ""}\n`);
    process.exitCode = 1;
  },
);
