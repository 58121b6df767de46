/**
 * The CLI's conversion flags, generated from OPTION_SPECS: every API option of a scope is a flag
 * (`max_colors` is `--max-colors <value>`), its help text says what it takes, and the values are
 * handed to the same parser the API uses, so the CLI and the API cannot drift apart.
 */
import { Option, type Command } from 'commander';
import { OPTION_SPECS, type OptionSpec } from '../pipeline/options.js';

const flagName = (spec: OptionSpec): string => spec.name.replaceAll('_', '-');

/** Commander's attribute for a flag: `--max-colors` is `maxColors`. */
const attributeName = (spec: OptionSpec): string => flagName(spec).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function accepted(spec: OptionSpec): string {
  const t = spec.type;
  switch (t.kind) {
    case 'enum':
      return t.values.join('|');
    case 'integer':
    case 'number':
      return `${t.min}-${t.max}`;
    case 'number-or-auto':
      return `auto or ${t.min}-${t.max}`;
    case 'colour-or-auto':
      return 'auto or #rrggbb';
    case 'boolean':
      return 'true|false';
    case 'palette':
      return 'colours';
  }
}

function specsOf(scope: OptionSpec['scope']): OptionSpec[] {
  return OPTION_SPECS.filter((s) => s.scope === scope);
}

/** Adds one flag per option of `scope` to `command`. */
export function addOptionFlags(command: Command, scope: OptionSpec['scope']): Command {
  for (const spec of specsOf(scope)) {
    command.addOption(new Option(`--${flagName(spec)} <${spec.type.kind === 'enum' ? 'value' : spec.type.kind}>`, `${spec.description} (${accepted(spec)}; default ${spec.default})`));
  }
  return command;
}

/** The flags of `scope` that were given, as the API's wire names and text values (unparsed). */
export function optionValues(opts: Record<string, unknown>, scope: OptionSpec['scope']): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const spec of specsOf(scope)) {
    const value = opts[attributeName(spec)];
    if (typeof value === 'string') raw[spec.name] = value;
  }
  return raw;
}
