-- A device is bound to a secret the server issues when the device first signs in (issue 21, finding 18): its
-- SHA-256 is secret_hash. A sign-in that names a device's client id without its secret is a new device, never
-- that one, so a client id may now belong to several devices of one user: the unique (user_id, client_id)
-- constraint becomes a plain index. Devices from before have no secret (''): each signs in once more as a new
-- device (pending where policy asks for approval), and the old row stays in the list for admins to see.
ALTER TABLE devices ADD COLUMN secret_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE devices DROP CONSTRAINT devices_user_id_client_id_key;
CREATE INDEX devices_client ON devices (user_id, client_id);
