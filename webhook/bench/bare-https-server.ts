// The benchmark's control: a bare node:https server that parses each review and answers with the injector's own
// recorded answer to it (the same bytes on the wire, patch included). It shows what the machine, TLS, JSON parsing
// and the driver cost on their own, so the injector's figures can be read against it.
// Usage: node bare-https-server.ts <cert> <key> <answer.json>; prints its port.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const [certFile, keyFile, answerFile] = process.argv.slice(2);
const answer = readFileSync(answerFile!);
const answerUid = (JSON.parse(answer.toString('utf8')) as { response: { uid: string } }).response.uid;
const options = {
  cert: readFileSync(certFile!),
  key: readFileSync(keyFile!),
  minVersion: 'TLSv1.2' as const,
  noDelay: true,
};
const server = createServer(options, (req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const uid = (JSON.parse(body) as { request: { uid: string } }).request.uid;
    if (uid !== answerUid) throw new Error(`the recorded answer is for uid ${answerUid}, not ${uid}`);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
    res.end(answer);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
