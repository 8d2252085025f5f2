import { describe, expect, it } from "vitest";
import { cameraAccept, isPatient, navItems, patientScreen } from "./portal";
import { parseRoute } from "./router";

describe("patient portal screens", () => {
  it("shows a patient only their conversations and their account", () => {
    expect(patientScreen(parseRoute("/"))).toBe("write");
    expect(patientScreen(parseRoute("/new"))).toBe("write");
    expect(patientScreen(parseRoute("/inbox"))).toBe("notfound");
    expect(patientScreen(parseRoute("/c/abc123"))).toBe("conversation");
    expect(patientScreen(parseRoute("/account"))).toBe("account");
    for (const p of ["/admin", "/admin/users", "/admin/devices", "/admin/teams", "/admin/policy", "/admin/dashboard", "/audit", "/nope"]) {
      expect(patientScreen(parseRoute(p))).toBe("notfound");
    }
  });
  it("gives a patient no admin, audit or dashboard navigation", () => {
    expect(navItems("patient")).toEqual(["messages", "account"]);
    expect(navItems("clinician")).toEqual(["messages", "inbox", "patients", "oncall", "account"]);
    for (const r of ["patient", "guest"] as const) expect(navItems(r)).not.toContain("oncall");
    expect(navItems("patient")).not.toContain("inbox");
    expect(navItems("patient")).not.toContain("patients");
    expect(navItems("admin")).toContain("admin");
    expect(navItems("compliance")).toContain("audit");
    expect(navItems("compliance")).toContain("compliance");
    expect(navItems("compliance")).toContain("alerts"); // activity-monitoring alerts name users and patients
    expect(navItems("owner")).not.toContain("alerts");
    expect(navItems("admin")).not.toContain("alerts");
    expect(navItems("owner")).toContain("compliance"); // the log of reviews
    expect(navItems("admin")).not.toContain("compliance"); // admins stay out of content and its review
    expect(navItems("compliance")).toContain("accounting"); // who read a patient's PHI: compliance only
    for (const r of ["owner", "admin"] as const) expect(navItems(r)).not.toContain("accounting");
    for (const r of ["owner", "admin", "compliance"] as const) expect(navItems(r)).toContain("report"); // no PHI in it
    for (const item of ["admin", "audit", "dashboard"] as const) expect(navItems("patient")).not.toContain(item);
  });
  it("knows who is a patient", () => {
    expect(isPatient("patient")).toBe(true);
    expect(isPatient("staff")).toBe(false);
    expect(isPatient(undefined)).toBe(false);
  });
  it("takes only the photo types the server strips", () => {
    expect(cameraAccept.split(",").sort()).toEqual(["image/jpeg", "image/png", "image/webp"]);
  });
});
