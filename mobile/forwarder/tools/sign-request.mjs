// Print a signed forwarder request as JSON: node tools/sign-request.mjs < {endpoint, deviceId, secret, messages}
// (the pytest contract test posts it to the real /ingest/sms; also handy to debug a phone's 401s by hand).
import { signedRequest } from '../src/protocol.js';

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const options = JSON.parse(input);
process.stdout.write(JSON.stringify(await signedRequest(options)));
