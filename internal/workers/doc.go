// Package workers runs short jobs on goroutines that outlive them.
//
// A goroutine starts with a small stack and grows it by copying as its
// calls go deeper. The server's socket paths start one per job: a send
// over a socket (HTTP handler, app, store: deep) and each burst of frames
// to a socket (TLS: deep). Started afresh, every one of them grew its
// stack again, and made and freed a goroutine: about 5 % of the server's
// CPU at 10,000 messages/s. A worker keeps its goroutine, and so its
// grown stack, for the next job, and ends after a while without one, so a
// quiet server holds no workers.
package workers
