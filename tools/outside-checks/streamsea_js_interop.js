// The upstream stream-sea JS client beside the starter's sample on one server: the JS client subscribes (fan-out)
// to the sample's stream, reads its schema, waits for some of the sample's readings, then publishes three of its
// own, which the sample's @StreamSeaListener must log. Usage: node streamsea_js_interop.js <port> [wait seconds]
const ss = require(process.cwd() + '/dist/index.js');
const port = process.argv[2];
const wait = Number(process.argv[3] || 25);
const remote = { remoteServerHost: '127.0.0.1', remoteServerPort: port, secure: false, clientId: 'js-client', clientSecret: 'js-secret' };
(async () => {
  const seen = [];
  (await ss.subscribe({ ...remote, stream: 'boiler_readings', fanout: true })).on('message', (m) => seen.push(m));
  console.log('schema as the JS client reads it: ' + JSON.stringify(await ss.describeStream({ ...remote, stream: 'boiler_readings' })));
  await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  for (let i = 1; i <= 3; i++) {
    await ss.publish({ ...remote, stream: 'boiler_readings',
      payload: { boilerId: 'js-boiler-' + i, temperature: 40.5 + i, measuredAt: '2026-12-03T18:00:0' + i + 'Z', state: 'idle' } });
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  console.log('JS client received ' + seen.length + ': ' + JSON.stringify(seen));
  process.exit(0);
})();
