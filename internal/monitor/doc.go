// Package monitor is activity monitoring (issue 25): rules evaluated
// continuously and incrementally over the audit trail, raising alerts for
// compliance officers. The evaluator keeps a cursor (the last audit seq it
// processed, in the store) and reads only the sealed events after it, in
// seq order; each rule's sliding window lives in memory and is rebuilt at
// start from a bounded stretch of the trail (the longest window of any
// org's policy), never from a full rescan.
//
// The rules (rules.go): bulk access, off-hours access, a patient record
// read outside the reader's care teams without break-glass, sign-in
// failure bursts and password sprays (one alert per burst), mass export, a
// new device or address of a privileged account, activity of a disabled
// user, and break-glass use. Thresholds are in each org's policy
// (ward.Policy.Monitor). A burst's later events extend its open alert
// instead of raising another.
//
// An alert holds ids only (audit seq ranges, user ids, patient record ids,
// addresses): no PHI content. New alerts reach the org's compliance
// officers live (a socket event) and by a PHI-free email; compliance
// acknowledges, dismisses (with a sealed reason) or escalates them to an
// incident (service.go). The evaluator runs on the job leader
// (internal/server).
package monitor
