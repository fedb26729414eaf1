#!/usr/bin/env node
'use strict';
/**
 * Prints the module parameter table of README's "## Configuration" section from lib/params.js
 * (run `npx tsc -p .` first). With --write, replaces the table between the
 * `<!-- params-table:begin -->` and `<!-- params-table:end -->` markers in README.md.
 */
const fs = require('node:fs');
const path = require('node:path');
const { PARAMS, describeAccepted } = require('../lib/params');

function cell(text) {
  return String(text).replace(/\|/g, '\\|');
}

function shownDefault(spec) {
  if (spec.path && spec.default !== '' && spec.default !== 'NONE') return `\`<config dir>/${spec.default}\``;
  if (spec.default === '') return '(empty)';
  if (typeof spec.default === 'boolean') return spec.default ? 'yes' : 'no';
  return `\`${spec.default}\``;
}

function table() {
  const rows = [
    '| parameter | type | default | accepted | unit | runtime name | what it does |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const spec of PARAMS) {
    const accepted = spec.type === 'string' ? (spec.path ? 'path' : describeAccepted(spec)) : describeAccepted(spec);
    rows.push(`| \`${spec.name}\` | ${spec.type} | ${cell(shownDefault(spec))} | ${cell(accepted)} | ${cell(spec.unit)} | ${spec.runtime ? `\`${spec.runtime}\`` : '-'} | ${cell(spec.description)} |`);
  }
  return rows.join('\n');
}

const BEGIN = '<!-- params-table:begin -->';
const END = '<!-- params-table:end -->';

function updateReadme(file) {
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file}: markers ${BEGIN} … ${END} not found`);
  fs.writeFileSync(file, `${text.slice(0, start + BEGIN.length)}\n${table()}\n${text.slice(end)}`);
}

if (require.main === module) {
  if (process.argv.includes('--write')) updateReadme(path.join(__dirname, '..', 'README.md'));
  else process.stdout.write(`${table()}\n`);
}

module.exports = { table, BEGIN, END };
