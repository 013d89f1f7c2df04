// The StellaNow TypeScript SDK (stella-systems/stellanow-sdk-typescript, built with its own tsup) against a StellaNow:
// OIDC discovery and password grant, MQTT over wss with the access token, three events of two types, each
// acknowledged. Run from the SDK's folder with NODE_EXTRA_CA_CERTS naming the emulator's CA (README.md):
//   node stellanow_ts_check.mjs <api base URL> <wss broker URL> <organization> <project> <user> <password>
import { pathToFileURL } from 'node:url';
const sdk = await import(pathToFileURL(process.cwd() + '/dist/index.js').href);
const [apiBaseUrl, brokerUrl, organizationId, projectId, user, password] = process.argv.slice(2);

class UserLogin extends sdk.StellaNowMessageBase {
  constructor(patron, userId, timestamp) {
    super('user_login', [new sdk.EntityType('patron', patron)]);
    this.userId = userId;
    this.timestamp = timestamp;
  }
  toJSON() {
    return { user_id: sdk.Converters.convert(this.userId), timestamp: sdk.Converters.convert(this.timestamp) };
  }
}
class Reading extends sdk.StellaNowMessageBase {
  constructor(device, site, celsius, ok) {
    super('boiler_reading', [new sdk.EntityType('device', device), new sdk.EntityType('site', site)]);
    this.celsius = celsius;
    this.ok = ok;
  }
  toJSON() {
    return { celsius: sdk.Converters.convert(this.celsius), ok: sdk.Converters.convert(this.ok), note: 'quote " and é' };
  }
}

const stella = await sdk.StellaNowSDK.createWithMqttAndOidc(new sdk.DefaultLogger(),
  sdk.EnvConfig.createCustomEnv(apiBaseUrl, brokerUrl), new sdk.FifoQueue(),
  sdk.ProjectInfo.create(organizationId, projectId), sdk.Credentials.create(user, password, 'ts-sdk-check'));
const acked = [];
stella.OnError.subscribe((e) => console.log('ERROR ' + e));
await stella.start();
await new Promise((resolve) => setTimeout(resolve, 2000));
stella.sendMessage(new UserLogin('patron-1', 'user-7', new Date('2026-12-03T18:00:00.123Z')));
stella.sendMessage(new Reading('boiler-1', 'site-9', 61.5, true));
stella.sendMessage(new Reading('boiler-2', 'site-9', 40, false));
await new Promise((resolve) => setTimeout(resolve, 3000));
console.log('sent 3; the emulator\'s report shows what arrived');
await stella.stop();
process.exit(0);
