#!/usr/bin/env node
// Run one Cognito user-pool command with the AWS SDK for JavaScript v3
// (@aws-sdk/client-cognito-identity-provider) against an endpoint, as an app would.
//
//   node sdk_v3.mjs ENDPOINT COMMAND 'INPUT-JSON' [MAX-ATTEMPTS]
//
// COMMAND is the operation name (SignUp, ConfirmSignUp, ...). Prints one JSON line:
// {"output": {...}, "attempts": N} on success, or
// {"error": {"name", "message", "status", "fault"}, "attempts": N} when the service answers
// with an error; exits 0 either way (2 for bad arguments). Unsigned operations need no
// credentials; fixed dummy ones are given so the SDK never looks for a profile.

import * as idp from "@aws-sdk/client-cognito-identity-provider";

async function main() {
  const [endpoint, command, input, maxAttempts] = process.argv.slice(2);
  const Command = idp[`${command}Command`];
  if (!endpoint || !Command || !input) {
    process.stderr.write("usage: sdk_v3.mjs ENDPOINT COMMAND 'INPUT-JSON' [MAX-ATTEMPTS]\n");
    return 2;
  }
  const client = new idp.CognitoIdentityProviderClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "unused", secretAccessKey: "unused" },
    maxAttempts: Number(maxAttempts ?? "1"),
  });
  try {
    const { $metadata, ...output } = await client.send(new Command(JSON.parse(input)));
    return { output, attempts: $metadata.attempts ?? 1 };
  } catch (err) {
    if (!err.$metadata) throw err;
    return {
      error: {
        name: err.name,
        message: err.message,
        status: err.$metadata.httpStatusCode,
        fault: err.$fault,
      },
      attempts: err.$metadata.attempts ?? 1,
    };
  }
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
    process.stderr.write(`sdk_v3: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
