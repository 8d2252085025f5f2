package bench

import (
	"crypto/aes"
	"crypto/cipher"
	"io"
	"net"
	"slices"
	"time"
)

// hostSpeed is how fast this host did two fixed pieces of work just before
// the load: the machine a bench runs on can be shared and virtualised, and
// the same binary has run half again as slow in one hour as in another. A
// figure read beside these can be told from a slow hour: compare runs only
// when their host speeds agree.
type hostSpeed struct {
	sealNs      float64 // one AES-256-GCM seal of 1 KiB: the CPU alone
	roundTripUs float64 // one 64-byte round trip over loopback TCP between two goroutines: syscalls, wake-ups, the kernel's network stack
}

// hostSpeedRounds rounds of each piece of work are timed; the median counts.
const hostSpeedRounds = 5

// measureHostSpeed times the two pieces of work (under a tenth of a
// second together on the standard machine). A failure to open the loopback connection leaves
// roundTripUs at 0.
func measureHostSpeed() hostSpeed {
	return hostSpeed{sealNs: medianOf(hostSpeedRounds, timeSeals), roundTripUs: medianOf(hostSpeedRounds, timeRoundTrips)}
}

func medianOf(rounds int, f func() float64) float64 {
	got := make([]float64, rounds)
	for i := range got {
		got[i] = f()
	}
	slices.Sort(got)
	return got[rounds/2]
}

// timeSeals is the time of one seal, in nanoseconds, over 20,000.
func timeSeals() float64 {
	const n = 20000
	block, _ := aes.NewCipher(make([]byte, 32)) // a fixed key: this seals nothing anyone reads
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	plain := make([]byte, 1024)
	out := make([]byte, 0, len(plain)+aead.Overhead())
	start := time.Now()
	for i := range n {
		nonce[0] = byte(i)
		out = aead.Seal(out[:0], nonce, plain, nil)
	}
	return float64(time.Since(start).Nanoseconds()) / n
}

// timeRoundTrips is the time of one loopback round trip, in microseconds,
// over 2,000; 0 when the loopback connection cannot be opened.
func timeRoundTrips() float64 {
	const n = 2000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer ln.Close()
	echoed := make(chan struct{})
	go func() {
		defer close(echoed)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 64)
		for { // echo until the client closes
			k, err := c.Read(b)
			if err != nil {
				return
			}
			if _, err := c.Write(b[:k]); err != nil {
				return
			}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	start := time.Now()
	for range n {
		if _, err := c.Write(buf); err != nil {
			c.Close()
			return 0
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			c.Close()
			return 0
		}
	}
	elapsed := time.Since(start)
	c.Close()
	<-echoed
	return float64(elapsed.Nanoseconds()) / 1e3 / n
}
