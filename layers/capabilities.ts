/**
 * The outside systems a function may use: each system adds its id here from its own module, by declaration
 * merging (`declare module '../capabilities' { interface Capabilities { pds: true } }` in
 * `layers/pds/capability.ts`), so a new system is new files, not an edit to a central list. A function
 * declares what it uses (`uses: ['pds']`); `infra/capabilities/<id>.ts` gives each id its environment, IAM,
 * local stand-in and alarms.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each system's declaration.
export interface Capabilities {}

export type CapabilityId = keyof Capabilities & string;
