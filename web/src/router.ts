// Path routing over the History API. ward serves index.html for every
// non-API path, so a reload or a shared link lands on the right screen.

export type Route =
  | { name: "home" }
  | { name: "conversation"; id: string }
  | { name: "new" }
  | { name: "account" }
  | { name: "admin-users" }
  | { name: "admin-devices" }
  | { name: "admin-teams" }
  | { name: "admin-policy" }
  | { name: "admin-dashboard" }
  | { name: "admin-oncall" }
  | { name: "admin-sso" }
  | { name: "oncall" }
  | { name: "audit" }
  | { name: "holds" }
  | { name: "retention" }
  | { name: "compliance" }
  | { name: "alerts" }
  | { name: "accounting" }
  | { name: "conformance" }
  | { name: "review"; id: string }
  | { name: "breakglass"; id: string }
  | { name: "incidents" }
  | { name: "incident"; id: string }
  | { name: "baas" }
  | { name: "patients" }
  | { name: "inbox" }
  | { name: "patient-new" }
  | { name: "patient"; id: string }
  | { name: "invite"; token: string }
  | { name: "outside"; token: string }
  | { name: "outside-new" }
  | { name: "notfound" };

export function parseRoute(path: string): Route {
  const p = path.replace(/\/+$/, "") || "/";
  if (p === "/") return { name: "home" };
  const m = /^\/c\/([A-Za-z0-9_-]{1,64})$/.exec(p);
  if (m) return { name: "conversation", id: m[1] };
  const pm = /^\/patients\/([A-Za-z0-9_-]{1,64})$/.exec(p);
  if (pm && pm[1] !== "new") return { name: "patient", id: pm[1] };
  const rv = /^\/compliance\/reviews\/([A-Za-z0-9_-]{1,64})$/.exec(p);
  if (rv) return { name: "review", id: rv[1] };
  const inc = /^\/compliance\/incidents\/([A-Za-z0-9_-]{1,64})$/.exec(p);
  if (inc) return { name: "incident", id: inc[1] };
  const bg = /^\/breakglass\/([A-Za-z0-9_-]{1,64})$/.exec(p);
  if (bg) return { name: "breakglass", id: bg[1] };
  const inv = /^\/invite\/([A-Za-z0-9_-]{20,100})$/.exec(p);
  if (inv) return { name: "invite", token: inv[1] };
  const out = /^\/outside\/([A-Za-z0-9_-]{20,100})$/.exec(p);
  if (out) return { name: "outside", token: out[1] };
  switch (p) {
    case "/new":
      return { name: "new" };
    case "/new/outside":
      return { name: "outside-new" };
    case "/account":
      return { name: "account" };
    case "/admin":
    case "/admin/users":
      return { name: "admin-users" };
    case "/admin/devices":
      return { name: "admin-devices" };
    case "/admin/teams":
      return { name: "admin-teams" };
    case "/admin/policy":
      return { name: "admin-policy" };
    case "/admin/dashboard":
      return { name: "admin-dashboard" };
    case "/admin/oncall":
      return { name: "admin-oncall" };
    case "/admin/sso":
      return { name: "admin-sso" };
    case "/oncall":
      return { name: "oncall" };
    case "/audit":
      return { name: "audit" };
    case "/holds":
      return { name: "holds" };
    case "/retention":
      return { name: "retention" };
    case "/compliance":
      return { name: "compliance" };
    case "/compliance/incidents":
      return { name: "incidents" };
    case "/compliance/baas":
      return { name: "baas" };
    case "/alerts":
      return { name: "alerts" };
    case "/compliance/accounting":
      return { name: "accounting" };
    case "/compliance/report":
      return { name: "conformance" };
    case "/patients":
      return { name: "patients" };
    case "/inbox":
      return { name: "inbox" };
    case "/patients/new":
      return { name: "patient-new" };
  }
  return { name: "notfound" };
}
