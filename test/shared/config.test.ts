import { equal } from '../harness/assert.js';
import { readFixture } from '../harness/fixtures.js';
import { platform } from '../harness/platform.js';
import { describe, it } from '../harness/test-api.js';

describe('wasi:config/store from the config grant', () => {
  it('serves exactly the granted values, per instance', async () => {
    const { loadComponent } = await platform();
    const component = await loadComponent(await readFixture('config-guest'));
    const a = (await component.instantiate({ capabilities: { config: { region: 'eu', 'feature.x': 'on' } } })).exports;
    equal(a.get('region'), 'eu');
    equal(a.get('feature.x'), 'on');
    equal(a.get('missing'), undefined);
    equal(a.count(), 2);
    const b = (await component.instantiate({ capabilities: { config: { region: 'us' } } })).exports;
    equal(b.get('region'), 'us');
    equal(b.count(), 1);
    equal(a.get('region'), 'eu');
  });

  it('an instance without the grant sees an empty store', async () => {
    const { loadComponent } = await platform();
    const { exports } = await (await loadComponent(await readFixture('config-guest'))).instantiate();
    equal(exports.get('region'), undefined);
    equal(exports.count(), 0);
  });
});
