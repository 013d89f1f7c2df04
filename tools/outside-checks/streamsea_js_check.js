// The upstream stream-sea JS client (Portchain/stream-sea-client-js, its committed dist/) against a stream-sea
// server: every HTTP call, a wrong secret, three WebSocket subscribers (two fan-out, one in the default group), and
// two more authenticated with RS512 JWTs of a key registered over HTTP (PKCS#1, as the CLI's keys), each with a
// `filter` on the stream name: one that matches, one that does not.
// Usage: node streamsea_js_check.js <port>   (run from the client's folder; see README.md)
const crypto = require('crypto');
const ss = require(process.cwd() + '/dist/index.js');
const port = process.argv[2];
const remote = { remoteServerHost: '127.0.0.1', remoteServerPort: port, secure: false, clientId: 'js-client', clientSecret: 'js-secret' };
const results = [];
async function step(name, call) {
  try {
    results.push(['OK', name, JSON.stringify(await call())]);
  } catch (e) {
    results.push(['FAIL', name, String(e && (e.message || e))]);
  }
}
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  await step('defineStream', () => ss.defineStream({ ...remote, stream: 'js_stream', name: 'js_stream', version: 1,
    fields: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'string' }, { name: 'at', type: 'date' },
      { name: 'kind', type: 'enum', enum: ['a', 'b'] }, { name: 'pos', type: 'object', fields: [{ name: 'x', type: 'float' }] }] }));
  await step('describeStream', () => ss.describeStream({ ...remote, stream: 'js_stream' }));
  await step('getSchemaVersionsVector', () => ss.getSchemaVersionsVector({ ...remote, schemaNames: ['js_stream', 'unknown_stream'] }));
  const received = { fanout1: [], fanout2: [], defaultGroup: [] };
  (await ss.subscribe({ ...remote, stream: 'js_stream', fanout: true })).on('message', (m) => received.fanout1.push(m));
  (await ss.subscribe({ ...remote, stream: 'js_stream', fanout: true })).on('message', (m) => received.fanout2.push(m));
  (await ss.subscribe({ ...remote, stream: 'js_stream' })).on('message', (m) => received.defaultGroup.push(m));
  const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
  await step('rotateClientJwtPublicKey', () => ss.rotateClientJwtPublicKey({ ...remote, jwtPublicKey: keys.publicKey }));
  const jwt = (stream) => {
    const encode = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = encode({ alg: 'RS512', typ: 'JWT' }) + '.' + encode({ exp: Math.floor(Date.now() / 1000) + 600,
      mustFanout: true, filter: { t: 'eq', e: [{ t: 'meta', e: 'streamName' }, { t: 'string', e: stream }] } });
    return unsigned + '.' + crypto.sign('sha512', Buffer.from(unsigned), keys.privateKey).toString('base64url');
  };
  received.jwtMatching = [];
  received.jwtOtherStream = [];
  const { clientSecret, ...withoutSecret } = remote;
  (await ss.subscribeWithJwt({ ...withoutSecret, stream: 'js_stream', jwt: jwt('js_stream') }))
    .on('message', (m) => received.jwtMatching.push(m));
  (await ss.subscribeWithJwt({ ...withoutSecret, stream: 'js_stream', jwt: jwt('other_stream') }))
    .on('message', (m) => received.jwtOtherStream.push(m));
  await pause(1500); // the sockets authenticate and subscribe
  for (let i = 1; i <= 3; i++) {
    await step('publish ' + i, () => ss.publish({ ...remote, stream: 'js_stream',
      payload: { id: i, label: 'L' + i, at: '2020-06-01T08:30:00Z', kind: 'a', pos: { x: 1.5 } } }));
  }
  await step('publish with a wrong secret', () => ss.publish({ ...remote, clientSecret: 'wrong', stream: 'js_stream', payload: { id: 9 } }));
  await pause(1500);
  results.push(['INFO', 'received', JSON.stringify(received)]);
  results.forEach((r) => console.log(r.join(' | ')));
  process.exit(0);
})();
