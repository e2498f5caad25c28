// The platform ceiling: a bare node:http server answering each benchmark
// route with a fixed, pre-serialised JSON body of the same size as
// togai-mock's answer. Routes come from BENCH_BODIES, a JSON file of
// [{method, route, path, body}] written by the harness (matched on the exact
// path here). Request bodies are read (not parsed) so a POST costs what
// receiving it costs.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const routes = new Map();
for (const r of JSON.parse(readFileSync(process.env.BENCH_BODIES, 'utf8'))) {
  routes.set(`${r.method} ${r.path}`, Buffer.from(r.body));
}
const notFound = Buffer.from('{"message":"not found"}');

const server = createServer((req, res) => {
  const body = routes.get(`${req.method} ${req.url.split('?')[0]}`);
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(body ? 200 : 404, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': (body ?? notFound).length,
    });
    res.end(body ?? notFound);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? '0'), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
