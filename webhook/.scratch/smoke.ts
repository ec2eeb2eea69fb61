import { injectYamlStream } from '../src/core/workloads.ts';
import { injectorConfig } from '../src/core/config.ts';
import { admit } from '../src/core/admit.ts';
import { parse } from 'yaml';
const text = `apiVersion: v1
kind: Pod
metadata:
  generateName: everything-
  annotations:
    mcp.io/inject: "true"
spec:
  containers:
  - name: server
    image: node:24
    command: [npx, -y, "@modelcontextprotocol/server-everything"]
    args: [stdio]
  - name: web
    image: nginx
    ports: [{containerPort: 80}]
`;
const t0 = performance.now();
const r = injectYamlStream(text, injectorConfig({ sidecarMode: 'native' }));
console.log(performance.now() - t0);
console.log(JSON.stringify(r.reports));
const docs = text;
const r2 = injectYamlStream(text.replace('    mcp.io/inject: "true"', '    mcp.io/inject: "true"\n    mcp.io/container: server'), injectorConfig());
console.log(r2.ok ? r2.yaml : r2.errors);
const pod = parse(r2.ok ? r2.yaml : '');
const a = admit({ uid: 'x', kind: { kind: 'Pod', group: '' }, operation: 'CREATE', object: pod }, injectorConfig());
console.log(a.reason, a.patch);
