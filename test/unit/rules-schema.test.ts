// rules/schema.json is what `sensor rules schema` prints (no drift from the
// loader's tables), and the rule files point editors at it.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIELD_NAMES } from '../../sensor/rules/catalog';
import { ruleFiles } from '../../sensor/rules/files';
import { ruleFileSchema } from '../../sensor/rules/schema';

const RULES = path.resolve(__dirname, '../../../rules');

describe('rules: JSON Schema', function () {
  it('the committed rules/schema.json is the generated one (run `sensor rules schema > rules/schema.json`)', function () {
    const committed = JSON.parse(fs.readFileSync(path.join(RULES, 'schema.json'), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(ruleFileSchema())));
  });

  it('offers every catalog field for completion', function () {
    const s = ruleFileSchema() as { definitions: { field: { anyOf: { enum?: string[] }[] } } };
    assert.deepEqual(s.definitions.field.anyOf[0].enum, [...FIELD_NAMES]);
  });

  it('every default rule file names the schema for yaml-language-server', function () {
    for (const f of ruleFiles([RULES])) {
      assert.match(fs.readFileSync(f, 'utf8').split('\n')[0], /^# yaml-language-server: \$schema=\.\/schema\.json$/, f);
    }
  });
});
