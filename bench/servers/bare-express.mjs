// The framework ceiling: a bare Express 5 app with one route per benchmark
// scenario (same method and path template as the Togai API), each answering a
// fixed, pre-serialised JSON body of the same size as togai-mock's answer.
// No body parser, no validation: only Express's router and response helpers.
// Routes come from BENCH_BODIES, a JSON file of [{method, route, path, body}]
// written by the harness.

import { readFileSync } from 'node:fs';
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
for (const r of JSON.parse(readFileSync(process.env.BENCH_BODIES, 'utf8'))) {
  const body = Buffer.from(r.body);
  app[r.method.toLowerCase()](r.route, (req, res) => {
    req.on('data', () => {});
    req.on('end', () => res.type('application/json').send(body));
  });
}
const server = app.listen(Number(process.env.PORT ?? '0'), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});
server.keepAliveTimeout = 5_000;
process.once('SIGTERM', () => server.close(() => process.exit(0)));
