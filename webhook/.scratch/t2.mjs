import { Pod } from 'kubernetes-models/v1/Pod';
const base = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'x-' }, spec: { fooBar: 1, containers: [{ name: 'a', image: 'x', restartPolicyRules: [{a:1}] }], initContainers: [{ name: 'b', image: 'y', restartPolicy: 'Always' }] } };
try { new Pod(base).validate(); console.log('ok unknown fields'); } catch (e) { console.log('ERR', e.message); }
const bad = structuredClone(base); bad.spec.initContainers[0].restartPolicy = 5;
try { new Pod(bad).validate(); console.log('ok bad'); } catch (e) { console.log('ERR', e.message); }
const bad2 = structuredClone(base); bad2.spec.containers[0].ports = [{ containerPort: 'x' }];
try { new Pod(bad2).validate(); console.log('ok bad2'); } catch (e) { console.log('ERR', e.message); }
const bad3 = structuredClone(base); bad3.spec.containers[0].resources = { limits: { cpu: '1x' } };
try { new Pod(bad3).validate(); console.log('ok bad3'); } catch (e) { console.log('ERR', e.message); }
