#!/usr/bin/env node
// Sign a user in through CUSTOM_AUTH with the JavaScript clients, as an app would: the
// pool's triggers ask questions (tests/custom_auth_functions.py's quiz); the answers come
// from --answers, one per challenge, in order. The user exists already (made by the Python
// test, run by tests/api/test_js_custom_auth.py).
//
//   node custom_flow.mjs --mode MODE --endpoint URL --pool-id ID --client-id ID
//                        --username NAME --password PASSWORD --answers A,B,...
//
// Modes:
//   identity-js          amazon-cognito-identity-js: setAuthenticationFlowType('CUSTOM_AUTH'),
//                        initiateAuth -> customChallenge -> sendCustomChallengeAnswer (with
//                        ClientMetadata) ... -> onSuccess
//   identity-js-srp      amazon-cognito-identity-js: authenticateUser with the CUSTOM_AUTH flow
//                        type (SRP first: CHALLENGE_NAME SRP_A, PASSWORD_VERIFIER) ->
//                        customChallenge -> sendCustomChallengeAnswer ... -> onSuccess
//   amplify-without-srp  Amplify JS v6 signIn({authFlowType: 'CUSTOM_WITHOUT_SRP'}) ->
//                        CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE -> confirmSignIn ... -> DONE
//   amplify-with-srp     the same with 'CUSTOM_WITH_SRP' and the password
//
// Prints one JSON line on stdout (the steps seen, the challenge parameters of each step, the
// ID token's claims) and exits 0; on any failure prints the error on stderr and exits 1
// (2 for bad options).

import { parseArgs } from "node:util";

import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} from "amazon-cognito-identity-js";
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, signIn, signOut } from "aws-amplify/auth";

const OPTIONS = ["mode", "endpoint", "pool-id", "client-id", "username", "password", "answers"];
const MODES = ["identity-js", "identity-js-srp", "amplify-without-srp", "amplify-with-srp"];

class UsageError extends Error {}

function options() {
  const { values } = parseArgs({
    options: Object.fromEntries(OPTIONS.map((k) => [k, { type: "string" }])),
    strict: true,
  });
  for (const name of OPTIONS) {
    if (!values[name]) throw new UsageError(`missing --${name}`);
  }
  if (!MODES.includes(values.mode)) throw new UsageError(`unknown --mode ${values.mode}`);
  return {
    ...values,
    endpoint: values.endpoint.replace(/\/+$/, ""),
    answers: values.answers.split(","),
  };
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
  const out = { steps: [], parameters: [] };
  const srp = opts.mode === "amplify-with-srp";
  let result = await signIn({
    username: opts.username,
    ...(srp ? { password: opts.password } : {}),
    options: { authFlowType: srp ? "CUSTOM_WITH_SRP" : "CUSTOM_WITHOUT_SRP" },
  });
  for (const answer of opts.answers) {
    if (result.isSignedIn) break;
    out.steps.push(result.nextStep.signInStep);
    out.parameters.push(result.nextStep.additionalInfo ?? null);
    result = await confirmSignIn({
      challengeResponse: answer,
      options: { clientMetadata: { client: "amplify" } },
    });
  }
  if (!result.isSignedIn) throw new Error(`not signed in: ${JSON.stringify(result)}`);
  out.steps.push("DONE");
  const session = await fetchAuthSession();
  out.claims = session.tokens.idToken.payload;
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
  user.setAuthenticationFlowType("CUSTOM_AUTH");
  const srp = opts.mode === "identity-js-srp";
  const details = new AuthenticationDetails({
    Username: opts.username,
    ...(srp ? { Password: opts.password } : {}),
  });
  const answers = [...opts.answers];
  const out = { steps: [], parameters: [] };
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session) => {
        out.steps.push("onSuccess");
        out.claims = session.getIdToken().payload;
        resolve(out);
      },
      onFailure: reject,
      customChallenge: (parameters) => {
        out.steps.push("customChallenge");
        out.parameters.push(parameters);
        const answer = answers.shift();
        if (answer === undefined) {
          reject(new Error("more challenges than answers"));
          return;
        }
        user.sendCustomChallengeAnswer(answer, callbacks, { client: "identity-js" });
      },
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
      mfaRequired: () => reject(new Error("unexpected SMS_MFA")),
      totpRequired: () => reject(new Error("unexpected SOFTWARE_TOKEN_MFA")),
      selectMFAType: () => reject(new Error("unexpected SELECT_MFA_TYPE")),
      mfaSetup: () => reject(new Error("unexpected MFA_SETUP")),
    };
    if (srp) {
      user.authenticateUser(details, callbacks);
    } else {
      user.initiateAuth(details, callbacks);
    }
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
    process.stderr.write(`custom_flow: ${err.message}\n`);
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
    process.stderr.write(`custom_flow: ${JSON.stringify(describe(err))}\n${err.stack ?? ""}\n`);
    process.exitCode = 1;
  },
);
