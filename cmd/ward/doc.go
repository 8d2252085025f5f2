// Command ward is the one binary of ward: it serves the API and the web
// client, and administers a data dir (migrate, and more to come). Each
// subcommand reads its flags, and every flag also reads from a WARD_*
// environment variable (--tls-cert ↔ WARD_TLS_CERT); a flag given on the
// command line wins. Errors are one line on stderr and a non-zero exit.
package main
