#!/usr/bin/env node
// Runs cdk-nag (AwsSolutions and NIST 800-53 R5) over synthesized CloudFormation templates.
//
//   node scripts/nag.js [--json SUMMARY.json] cdk.out/*.template.json
//
// Each template is included with CfnInclude into a stack of its own in a fresh App, so the rule
// packs see exactly what would be deployed. CfnInclude keeps every resource's Metadata, so the
// suppressions the C# app writes there (cdk_nag.rules_to_suppress, each with id and reason) are
// honoured by cdk-nag itself; so are the template's own Metadata.cdk_nag ones (the whole stack's,
// as cdk-nag's addStackSuppressions writes them). The packs write their compliance reports (CSV) into a temporary
// folder; this script reads them, prints counts per rule and every unsuppressed finding, and exits
// 1 on any unsuppressed Error (also one an Error-level rule could not evaluate), 2 on bad usage or
// a file that is no template, 3 on a template CfnInclude cannot read.
// Warnings are listed, not fatal.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

let cdk, include, nag;
try {
  cdk = require('aws-cdk-lib');
  include = require('aws-cdk-lib/cloudformation-include');
  nag = require('cdk-nag');
} catch (e) {
  console.error(`nag: ${e.message.split('\n')[0]}\nnag: run npm ci at the repository root (package.json pins cdk-nag and aws-cdk-lib)`);
  process.exit(2);
}

const args = process.argv.slice(2);
let jsonOut;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') jsonOut = args[++i];
  else files.push(args[i]);
}
if (files.length === 0 || (args.includes('--json') && !jsonOut)) {
  console.error('usage: node scripts/nag.js [--json SUMMARY.json] TEMPLATE.template.json...');
  process.exit(2);
}
const missing = files.filter((f) => !fs.existsSync(f));
if (missing.length > 0) {
  console.error(`nag: no such template: ${missing.join(', ')}`);
  process.exit(2);
}
// A broad glob over cdk.out also matches manifest.json and the assets files: a file without
// Resources is no template, and checking it would report a clean run of nothing.
const notTemplates = files.filter((f) => {
  try {
    const t = JSON.parse(fs.readFileSync(f, 'utf8'));
    return !t || typeof t.Resources !== 'object' || Array.isArray(t.Resources);
  } catch {
    return true;
  }
});
if (notTemplates.length > 0) {
  console.error(`nag: not a CloudFormation template (JSON with Resources): ${notTemplates.join(', ')}`);
  process.exit(2);
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8slab-nag-'));
try {
  // This runner is about the rule packs: aws-cdk-lib's own template validation (cfn-lint-like
  // warnings) stays out of its output.
  process.env.CDK_VALIDATION = 'false';
  // No stack traces on annotations: thousands of findings on a 400-node stack would each capture one.
  const app = new cdk.App({ outdir, context: { 'aws:cdk:disable-stack-trace': true } });
  const stacks = new Set();
  for (const file of files) {
    let name = path.basename(file).replace(/\.template\.json$|\.json$|\.ya?ml$/, '').replace(/[^A-Za-z0-9-]/g, '-');
    for (let n = 2; stacks.has(name); n++) name = `${name}-${n}`; // same file name from two cdk.out folders
    stacks.add(name);
    // Bootstrapless: the included template brings its own BootstrapVersion parameter and rule.
    const stack = new cdk.Stack(app, name, { synthesizer: new cdk.BootstraplessSynthesizer(), analyticsReporting: false });
    // Suppressions for the whole stack sit in the template's own Metadata (cdk_nag), where the app
    // writes those every node shares; cdk-nag reads them from the stack's template options, and
    // CfnInclude would copy them a second time into the same section, so they go over once, here.
    const template = JSON.parse(fs.readFileSync(file, 'utf8'));
    let templateFile = file;
    if (template.Metadata && template.Metadata.cdk_nag) {
      stack.templateOptions.metadata = { cdk_nag: template.Metadata.cdk_nag };
      delete template.Metadata.cdk_nag;
      templateFile = path.join(outdir, `${name}.included.json`);
      fs.writeFileSync(templateFile, JSON.stringify(template));
    }
    try {
      new include.CfnInclude(stack, 'Template', { templateFile });
    } catch (e) {
      // Exit 3, not 1: the template could not be read, which says nothing about the rules.
      console.error(`nag: ${file}: cannot include it: ${e.message.split('\n')[0]}`);
      process.exitCode = 3;
      return; // out of the module (CommonJS), through the finally below: process.exit would skip it and leave outdir
    }
  }
  // CSV, not JSON: the JSON report is rewritten whole for every line (quadratic on a large stack).
  const props = { reports: true, reportFormats: [nag.NagReportFormat.CSV] };
  cdk.Aspects.of(app).add(new nag.AwsSolutionsChecks(props));
  cdk.Aspects.of(app).add(new nag.NIST80053R5Checks(props));
  const assembly = app.synth();

  // The reports name the rule, not the finding (which wildcard, say); the annotations do, as
  // "RULE[FINDING]: info", one per report line and in the same order.
  const granular = new Map();
  for (const m of assembly.stacks.flatMap((s) => s.messages)) {
    const match = /^([\w.-]+)\[(.*?)\]: /.exec(String(m.entry.data));
    if (!match) continue;
    const key = `${m.id.replace(/^\//, '')} ${match[1]}`;
    granular.set(key, [...(granular.get(key) ?? []), match[2]]);
  }

  // Report lines: Rule ID, Resource ID (construct path Stack/Template/LogicalId), Compliance,
  // Exception Reason, Rule Level, Rule Info. Compliance is Compliant, Non-Compliant, Suppressed or
  // UNKNOWN (the rule threw, usually on an intrinsic it cannot read).
  const findings = [];
  for (const report of fs.readdirSync(outdir).filter((f) => f.endsWith('-NagReport.csv')).sort()) {
    const rows = parseCsv(fs.readFileSync(path.join(outdir, report), 'utf8')).slice(1);
    for (const [rule, resourcePath, compliance, reason, level, info] of rows) {
      if (compliance === 'Compliant') continue;
      const [stack, , ...rest] = resourcePath.split('/');
      const finding = compliance === 'Non-Compliant' ? (granular.get(`${resourcePath} ${rule}`) ?? []).shift() ?? '' : '';
      findings.push({ stack, resource: rest.join('/'), rule, finding, level, compliance, reason: compliance === 'Suppressed' ? reason : '', info: info.replace(/ - \(Control IDs: .*\)\.?$/, '') });
    }
  }

  findings.sort((a, b) => `${a.stack}/${a.resource} ${a.rule}`.localeCompare(`${b.stack}/${b.resource} ${b.rule}`));
  const byRule = new Map();
  for (const f of findings) {
    const c = byRule.get(f.rule) ?? { rule: f.rule, level: f.level, open: 0, suppressed: 0, unknown: 0 };
    if (f.compliance === 'Suppressed') c.suppressed++;
    else if (f.compliance === 'UNKNOWN') c.unknown++;
    else c.open++;
    byRule.set(f.rule, c);
  }
  const open = findings.filter((f) => f.compliance === 'Non-Compliant');
  const unknown = findings.filter((f) => f.compliance === 'UNKNOWN');
  // An Error-level rule that could not evaluate a resource may hide an error: it fails the run too
  // (cdk-nag itself only warns), unless suppressed as CdkNagValidationFailure.
  const errors = open.filter((f) => f.level === 'Error');
  const unevaluatedErrors = unknown.filter((f) => f.level === 'Error');
  const warnings = open.filter((f) => f.level !== 'Error');
  const where = (f) => `${f.stack}/${f.resource}: ${f.rule}${f.finding ? `[${f.finding}]` : ''}`;

  console.log(`cdk-nag ${require('cdk-nag/package.json').version} (AwsSolutions, NIST.800.53.R5) over ${files.length} template(s)`);
  console.log(`  ${'rule'.padEnd(52)} ${'level'.padEnd(8)} open  suppressed  not evaluated`);
  for (const c of [...byRule.values()].sort((a, b) => a.rule.localeCompare(b.rule)))
    console.log(`  ${c.rule.padEnd(52)} ${c.level.padEnd(8)} ${String(c.open).padStart(4)}  ${String(c.suppressed).padStart(10)}  ${String(c.unknown).padStart(13)}`);
  for (const f of errors) console.log(`ERROR   ${where(f)}: ${f.info}`);
  for (const f of warnings) console.log(`warning ${where(f)}: ${f.info}`);
  for (const f of unknown) console.log(`${f.level === 'Error' ? 'ERROR  ' : 'warning'} ${where(f)}: could not be evaluated (the rule threw, usually on an intrinsic it cannot read)`);
  const suppressed = findings.length - open.length - unknown.length;
  console.log(`nag: ${errors.length + unevaluatedErrors.length} unsuppressed error(s), ${warnings.length} unsuppressed warning(s), ${suppressed} suppressed, ${unknown.length} not evaluated`);

  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ findings }, null, 1) + '\n');
  process.exitCode = errors.length + unevaluatedErrors.length > 0 ? 1 : 0;
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}

/** RFC 4180 CSV, as cdk-nag writes it: every field quoted, quotes doubled, newlines inside quotes. */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; }
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}
