#!/usr/bin/env node
// Drive a userpool server with the JavaScript Cognito clients, as a browser or Node app would:
// amazon-cognito-identity-js signs up, confirms (code read from `userpool outbox`) and signs in
// with SRP (its default flow), then aws-jwt-verify checks the ID and access tokens against the
// server's JWKS.
//
// Options (each also read from the environment variable in brackets):
//   --endpoint URL        server URL, e.g. http://127.0.0.1:9229         [USERPOOL_ENDPOINT]
//   --pool-id ID          user pool id                                   [USERPOOL_POOL_ID]
//   --client-id ID        app client id (without a secret)               [USERPOOL_CLIENT_ID]
//   --username NAME                                                      [USERPOOL_USERNAME]
//   --email ADDRESS                                                      [USERPOOL_EMAIL]
//   --password PASSWORD                                                  [USERPOOL_PASSWORD]
//   --userpool PATH       the `userpool` executable                      [USERPOOL_BIN]
//   --db PATH             the server's SQLite file                       [USERPOOL_DB]
//   --mode MODE           "flow" (default): sign up, confirm, sign in, verify tokens;
//                         "wrong-password": sign up, confirm, then sign in with a wrong
//                         password and report the error;
//                         "forgot-password": sign up, confirm, forgotPassword, confirmPassword
//                         with the emailed code, sign in with the new password
//                                                                        [USERPOOL_MODE]
//   --verifier KIND       "jwt" (default): JwtVerifier with issuer <endpoint>/<pool id>;
//                         "cognito": CognitoJwtVerifier (the server must issue tokens as
//                         https://cognito-idp.<region>.amazonaws.com/<pool id>, i.e. run with
//                         USERPOOL_ISSUER_BASE set so); the JWKS is still fetched from
//                         --endpoint                                     [USERPOOL_VERIFIER]
//   --outbox-limit N      messages to read from the outbox (default 5)  [USERPOOL_OUTBOX_LIMIT]
//
// Prints one JSON line on stdout and exits 0; on any failure prints the error on stderr and
// exits 1 (2 for bad options).

import { execFile } from "node:child_process";
import { promisify, parseArgs } from "node:util";

import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} from "amazon-cognito-identity-js";
import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";

const OPTIONS = {
  endpoint: "USERPOOL_ENDPOINT",
  "pool-id": "USERPOOL_POOL_ID",
  "client-id": "USERPOOL_CLIENT_ID",
  username: "USERPOOL_USERNAME",
  email: "USERPOOL_EMAIL",
  password: "USERPOOL_PASSWORD",
  userpool: "USERPOOL_BIN",
  db: "USERPOOL_DB",
  mode: "USERPOOL_MODE",
  verifier: "USERPOOL_VERIFIER",
  "outbox-limit": "USERPOOL_OUTBOX_LIMIT",
};
const DEFAULTS = { mode: "flow", verifier: "jwt", "outbox-limit": "5" };

class UsageError extends Error {}

function options() {
  const { values } = parseArgs({
    options: Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: "string" }])),
    strict: true,
  });
  const opts = {};
  for (const [name, env] of Object.entries(OPTIONS)) {
    const value = values[name] ?? process.env[env] ?? DEFAULTS[name];
    if (value === undefined || value === "") {
      throw new UsageError(`missing --${name} (or ${env})`);
    }
    opts[name] = value;
  }
  if (!["flow", "wrong-password", "forgot-password"].includes(opts.mode)) {
    throw new UsageError(`--mode must be flow, wrong-password or forgot-password, not ${opts.mode}`);
  }
  if (!["jwt", "cognito"].includes(opts.verifier)) {
    throw new UsageError(`--verifier must be jwt or cognito, not ${opts.verifier}`);
  }
  opts.endpoint = opts.endpoint.replace(/\/+$/, "");
  return opts;
}

// amazon-cognito-identity-js is callback based; these wrap the calls used here.

function signUp(pool, username, password, email) {
  const attributes = [new CognitoUserAttribute({ Name: "email", Value: email })];
  return new Promise((resolve, reject) =>
    pool.signUp(username, password, attributes, null, (err, result) =>
      err ? reject(err) : resolve(result),
    ),
  );
}

function confirmRegistration(user, code) {
  return new Promise((resolve, reject) =>
    user.confirmRegistration(code, false, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

function authenticate(user, username, password) {
  const details = new AuthenticationDetails({ Username: username, Password: password });
  return new Promise((resolve, reject) =>
    user.authenticateUser(details, {
      onSuccess: (session) => resolve(session),
      onFailure: (err) => reject(err),
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED challenge")),
      mfaRequired: () => reject(new Error("unexpected SMS_MFA challenge")),
      totpRequired: () => reject(new Error("unexpected SOFTWARE_TOKEN_MFA challenge")),
      customChallenge: () => reject(new Error("unexpected CUSTOM_CHALLENGE")),
      mfaSetup: () => reject(new Error("unexpected MFA_SETUP challenge")),
      selectMFAType: () => reject(new Error("unexpected SELECT_MFA_TYPE challenge")),
    }),
  );
}

function forgotPassword(user) {
  return new Promise((resolve, reject) =>
    user.forgotPassword({
      onSuccess: (data) => resolve(data),
      onFailure: (err) => reject(err),
      inputVerificationCode: (data) => resolve(data),
    }),
  );
}

function confirmPassword(user, code, password) {
  return new Promise((resolve, reject) =>
    user.confirmPassword(code, password, {
      onSuccess: (result) => resolve(result),
      onFailure: (err) => reject(err),
    }),
  );
}

function getUserAttributes(user) {
  return new Promise((resolve, reject) =>
    user.getUserAttributes((err, attrs) => (err ? reject(err) : resolve(attrs))),
  );
}

function refreshSession(user, refreshToken) {
  return new Promise((resolve, reject) =>
    user.refreshSession(refreshToken, (err, session) => (err ? reject(err) : resolve(session))),
  );
}

/** The code in the newest outbox message to `email` (`userpool outbox` prints oldest first). */
async function confirmationCode(opts) {
  const run = promisify(execFile);
  const { stdout } = await run(
    opts.userpool,
    ["outbox", "--db", opts.db, "--limit", String(opts["outbox-limit"])],
    { timeout: 30_000 },
  );
  // Each message is a header line "<date> <time>  <pool>  <user>  <medium> <destination>  ..."
  // followed by its text on an indented line.
  let code;
  let forEmail = false;
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    if (!/^\s/.test(line)) {
      forEmail = line.split(/\s+/).includes(opts.email);
      continue;
    }
    const found = forEmail ? line.match(/\b\d{6}\b/g) : null;
    if (found) code = found[found.length - 1];
  }
  if (!code) {
    throw new Error(`no code for ${opts.email} in \`userpool outbox\`:\n${stdout}`);
  }
  return code;
}

/** aws-jwt-verify's own fetcher speaks HTTPS only; this one uses fetch, and can redirect. */
function jwksCache(jwksUri) {
  return new SimpleJwksCache({
    fetcher: {
      async fetch(uri) {
        const response = await fetch(jwksUri ?? uri, { signal: AbortSignal.timeout(10_000) });
        if (response.status !== 200) {
          throw new Error(`GET ${jwksUri ?? uri}: status ${response.status}`);
        }
        return response.arrayBuffer();
      },
    },
  });
}

function verifiers(opts) {
  const jwksUri = `${opts.endpoint}/${opts["pool-id"]}/.well-known/jwks.json`;
  if (opts.verifier === "cognito") {
    const cache = jwksCache(jwksUri); // the Cognito JWKS URI, served from the local endpoint
    const base = { userPoolId: opts["pool-id"], clientId: opts["client-id"] };
    return {
      id: CognitoJwtVerifier.create({ ...base, tokenUse: "id" }, { jwksCache: cache }),
      access: CognitoJwtVerifier.create({ ...base, tokenUse: "access" }, { jwksCache: cache }),
    };
  }
  const cache = jwksCache();
  const base = { issuer: `${opts.endpoint}/${opts["pool-id"]}`, jwksUri };
  const cognitoChecks = (tokenUse) => ({
    // Cognito's claims: token_use, and the client id in aud (ID token) or client_id (access).
    customJwtCheck: ({ payload }) =>
      validateCognitoJwtFields(payload, { tokenUse, clientId: opts["client-id"] }),
  });
  return {
    id: JwtVerifier.create(
      { ...base, audience: opts["client-id"], ...cognitoChecks("id") },
      { jwksCache: cache },
    ),
    // Access tokens carry no aud claim: the client id is checked in client_id.
    access: JwtVerifier.create(
      { ...base, audience: null, ...cognitoChecks("access") },
      { jwksCache: cache },
    ),
  };
}

function describe(err) {
  return { code: err.code ?? null, name: err.name ?? null, message: err.message ?? String(err) };
}

async function main() {
  let opts;
  try {
    opts = options();
  } catch (err) {
    process.stderr.write(`srp_flow: ${err.message}\n`);
    return 2;
  }
  const pool = new CognitoUserPool({
    UserPoolId: opts["pool-id"],
    ClientId: opts["client-id"],
    endpoint: opts.endpoint,
  });
  const user = () => new CognitoUser({ Username: opts.username, Pool: pool });
  const out = {};

  const signedUp = await signUp(pool, opts.username, opts.password, opts.email);
  out.signedUp = true;
  out.userConfirmed = signedUp.userConfirmed;
  out.userSub = signedUp.userSub;
  out.codeDelivery = signedUp.codeDeliveryDetails ?? null;

  const code = await confirmationCode(opts);
  out.confirmResult = await confirmRegistration(user(), code);
  out.confirmed = true;

  if (opts.mode === "wrong-password") {
    try {
      await authenticate(user(), opts.username, `${opts.password}-wrong`);
    } catch (err) {
      out.authenticated = false;
      out.error = describe(err);
      return out;
    }
    throw new Error("authenticateUser succeeded with a wrong password");
  }

  if (opts.mode === "forgot-password") {
    const sent = await forgotPassword(user());
    out.resetDelivery = sent.CodeDeliveryDetails ?? null;
    const resetCode = await confirmationCode(opts);
    out.resetCodeDiffers = resetCode !== code;
    out.confirmPasswordResult = await confirmPassword(user(), resetCode, `${opts.password}-new`);
    const renewed = await authenticate(user(), opts.username, `${opts.password}-new`);
    out.authenticatedWithNewPassword = renewed.isValid();
    try {
      await authenticate(user(), opts.username, opts.password);
      out.oldPasswordRefused = false;
    } catch (err) {
      out.oldPasswordRefused = describe(err).code === "NotAuthorizedException";
    }
    return out;
  }

  const signedIn = user();
  const session = await authenticate(signedIn, opts.username, opts.password);
  out.authenticated = true;
  out.sessionValid = session.isValid();
  const idToken = session.getIdToken().getJwtToken();
  const accessToken = session.getAccessToken().getJwtToken();
  out.idTokenSub = session.getIdToken().payload.sub;
  out.accessTokenSub = session.getAccessToken().payload.sub;
  out.accessTokenUsername = session.getAccessToken().payload.username;

  const verify = verifiers(opts);
  const idClaims = await verify.id.verify(idToken);
  out.verifiedId = true;
  out.idClaims = idClaims;
  const accessClaims = await verify.access.verify(accessToken);
  out.verifiedAccess = true;
  out.accessClaims = accessClaims;

  // GetUser with the access token.
  const attrs = await getUserAttributes(signedIn);
  out.attributes = Object.fromEntries(attrs.map((a) => [a.getName(), a.getValue()]));

  // InitiateAuth REFRESH_TOKEN_AUTH; the new ID token must verify too.
  const refreshed = await refreshSession(signedIn, session.getRefreshToken());
  await verify.id.verify(refreshed.getIdToken().getJwtToken());
  await verify.access.verify(refreshed.getAccessToken().getJwtToken());
  out.refreshed = true;
  out.refreshedIdTokenSub = refreshed.getIdToken().payload.sub;
  return out;
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
    const detail = describe(err);
    process.stderr.write(`srp_flow: ${JSON.stringify(detail)}\n${err.stack ?? ""}\n`);
    process.exitCode = 1;
  },
);
