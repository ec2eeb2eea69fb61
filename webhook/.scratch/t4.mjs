import { stringify, parseAllDocuments } from 'yaml';
const v = { a: 'yes', b: 'on', c: 'true', d: '8080', e: JSON.stringify({version:'0.1.0', mode:'native', initContainers:['mcp-shim-install','mcp-sidecar'], containers:[], volumes:['mcp-sidecar'], serverContainer:'server'}), f: ['--warmup', '[{"method":"tools/list"}]'] };
console.log(stringify(v, { lineWidth: 0 }));
console.log(stringify(v, { lineWidth: 0, version: '1.1' }));
const docs = parseAllDocuments('a: 1\n---\n# c\n---\nb: 2\n');
console.log(docs.length, docs.map(d => d.toJS()), docs.map(d=>d.errors.length));
