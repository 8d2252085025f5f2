// The patient portal: the same web app, phone-first, for the patient role.
// A patient sees only their own conversations (no staff directory, no
// conversation with anyone they choose, no admin, audit or dashboard
// screens), takes photos with the phone camera, and signs out when idle
// like staff. The role decides the screen here, in one pure function.

import type { Role } from "./api";
import type { Route } from "./router";

export const isPatient = (r: Role | undefined) => r === "patient";

// A patient writes to their care team's inbox (src/inbox.ts); until their
// record is assigned to a team, their care team writes first.
export const portalWelcome = "Your care team will write to you here";

// cameraAccept is what the composer's camera button takes: the photo types
// whose metadata the server strips (EXIF and GPS) before sealing.
export const cameraAccept = "image/jpeg,image/png,image/webp";

export type PatientScreen = "write" | "conversation" | "account" | "notfound";

// patientScreen is the screen a route shows a patient: "/" and "/new" are
// "write to your care team" (no staff directory), staff screens do not exist.
export function patientScreen(route: Route): PatientScreen {
  switch (route.name) {
    case "home":
    case "new":
      return "write";
    case "conversation":
      return "conversation";
    case "account":
      return "account";
  }
  return "notfound";
}

export type NavItem =
  | "messages"
  | "inbox"
  | "patients"
  | "oncall"
  | "admin"
  | "audit"
  | "compliance"
  | "alerts"
  | "incidents"
  | "accounting"
  | "baas"
  | "holds"
  | "retention"
  | "report"
  | "dashboard"
  | "account";

// navItems lists the top navigation a role sees.
export function navItems(r: Role | undefined): NavItem[] {
  switch (r) {
    case "patient":
      return ["messages", "account"];
    case "guest":
      return ["messages"]; // no account screen: a guest has no password or second factor (src/outside.ts)
    case "clinician":
    case "staff":
      return ["messages", "inbox", "patients", "oncall", "account"];
    case "owner": // and the log of compliance reviews (docs/compliance.md)
      return ["admin", "compliance", "oncall", "retention", "baas", "report", "account"];
    case "admin":
      return ["admin", "oncall", "retention", "baas", "report", "account"];
    case "compliance":
      return ["audit", "compliance", "alerts", "incidents", "accounting", "baas", "holds", "retention", "report", "dashboard", "oncall", "account"];
  }
  return ["account"];
}
