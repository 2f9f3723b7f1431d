// Reads a code from userpool's --dev messages endpoint with Node's built-in fetch and
// nothing else, as a Jest, Cypress or Playwright test would.
// Usage: node messages.mjs BASE_URL ADDRESS POOL_ID
// Prints one line of JSON: {"code": "<the newest message's code>", "count": <messages>}.
const [base, to, pool] = process.argv.slice(2);
const url = new URL("/_userpool/messages", base);
url.searchParams.set("to", to);
url.searchParams.set("pool", pool);
const response = await fetch(url);
if (!response.ok) {
  console.error(`${response.status} ${await response.text()}`);
  process.exit(1);
}
const { messages } = await response.json();
console.log(JSON.stringify({ code: messages[0]?.code ?? null, count: messages.length }));
