/**
 * The SLA tests' model: an SQL handed off to sales, who must work it (sales status `working`)
 * within 24 business hours of Monday–Friday 09:00–17:00 UTC. `requires` says what makes an SQL.
 */
export function sqlSlaModel(name: string, requires = '{ property: budget, equals: approved }'): string {
  return `
name: ${name}
dimensions: [fit]
businessHours: { timeZone: UTC, days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00" }
stages:
  - key: lead
  - key: sql
    label: SQL
    handoff: true
    owner: sales
    requires: ${requires}
    sla: { within: 24h, businessHours: true, until: [working] }
`;
}
