/** In-memory source and CRM connectors with failure injection, for pipeline tests and local experiments. */
export { FailureInjector, type FakeMethod } from './failures.ts';
export { FakeSourceSystem, createFakeSource, fakeSourceDefinition } from './source.ts';
export { FakeCrmSystem, createFakeCrm, fakeCrmDefinition, type FakeCrmRecord } from './crm.ts';
