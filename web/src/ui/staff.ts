// The screens of the workforce's administration and oversight: App.tsx
// loads this module (a chunk of its own) the first time one of them shows,
// so the patient portal and the guest's page never download them.
export { AdminDashboard, AdminDevices, AdminPolicy, AdminUsers } from "./Admin";
export { AdminSSO } from "./AdminSSO";
export { AdminTeams } from "./AdminTeams";
export { AuditViewer, Dashboard } from "./Insights";
export { AdminOnCall, OnCallNow } from "./OnCall";
export { LegalHolds, Retention } from "./Holds";
export { IncidentList, IncidentView } from "./Incidents";
export { BAARegistry } from "./BAAs";
export { Alerts } from "./Alerts";
export { Accounting } from "./Accounting";
export { Conformance } from "./Conformance";
export { BreakGlassPanel, BreakGlassView, ComplianceConsole, ReviewTranscript } from "./Compliance";
