package imagemeta_test

import (
	"bytes"
	"encoding/binary"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"testing"

	"github.com/wardhealth/ward/internal/imagemeta"
	"github.com/wardhealth/ward/internal/imagemeta/imagetest"
)

const canary = "CANARY-7f3a-GPS"

// noMetadata fails when out still holds the canary or an EXIF / GPS trace.
func noMetadata(t *testing.T, out []byte) {
	t.Helper()
	for _, s := range []string{canary, "Exif\x00\x00", "II*\x00", "xmpmeta", "8BIM", "tEXt", "zTXt", "iTXt", "eXIf", "tIME", "EXIF", "XMP "} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("stripped output still holds %q", s)
		}
	}
}

func TestStripJPEG(t *testing.T) {
	in := imagetest.JPEG(canary)
	if _, _, err := image.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("the test JPEG does not decode: %v", err)
	}
	out, err := imagemeta.Strip("image/jpeg", in)
	if err != nil {
		t.Fatal(err)
	}
	noMetadata(t, out)
	if !bytes.Contains(out, []byte("JFIF\x00")) || !bytes.Contains(out, []byte("ICC_PROFILE\x00")) {
		t.Error("JFIF APP0 or ICC APP2 dropped")
	}
	img, format, err := image.Decode(bytes.NewReader(out))
	if err != nil || format != "jpeg" || img.Bounds().Dx() != 32 {
		t.Fatalf("stripped JPEG: %v %s", err, format)
	}
	// Stripping is idempotent: nothing left to drop.
	if again, err := imagemeta.StripJPEG(out); err != nil || !bytes.Equal(again, out) {
		t.Errorf("second strip changed the file: %v", err)
	}
}

func TestStripPNG(t *testing.T) {
	in := imagetest.PNG(canary)
	if _, _, err := image.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("the test PNG does not decode: %v", err)
	}
	out, err := imagemeta.Strip("image/png", in)
	if err != nil {
		t.Fatal(err)
	}
	noMetadata(t, out)
	if !bytes.Contains(out, []byte("gAMA")) || !bytes.HasSuffix(out, []byte("IEND\xaeB`\x82")) {
		t.Error("gAMA dropped or the file does not end with IEND")
	}
	if _, format, err := image.Decode(bytes.NewReader(out)); err != nil || format != "png" {
		t.Fatalf("stripped PNG: %v %s", err, format)
	}
}

func TestStripWebP(t *testing.T) {
	in := imagetest.WebP(canary)
	out, err := imagemeta.Strip("image/webp", in)
	if err != nil {
		t.Fatal(err)
	}
	noMetadata(t, out)
	if got := binary.LittleEndian.Uint32(out[4:]); int(got) != len(out)-8 {
		t.Errorf("RIFF size %d, file %d", got, len(out))
	}
	if string(out[12:16]) != "VP8X" || out[20]&0x0C != 0 {
		t.Errorf("VP8X missing or still announces EXIF/XMP: % x", out[12:24])
	}
	vp8l := imagetest.WebPLossless[12:]
	if !bytes.HasSuffix(out, vp8l) {
		t.Error("the VP8L image data changed")
	}
	// A plain lossless WebP has nothing to strip.
	if plain, err := imagemeta.StripWebP(imagetest.WebPLossless); err != nil || !bytes.Equal(plain, imagetest.WebPLossless) {
		t.Errorf("plain WebP changed: %v", err)
	}
}

func TestStripGIF(t *testing.T) {
	in := imagetest.GIF(canary)
	if _, _, err := image.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("the test GIF does not decode: %v", err)
	}
	out, err := imagemeta.Strip("image/gif", in)
	if err != nil {
		t.Fatal(err)
	}
	noMetadata(t, out)
	if !bytes.Contains(out, []byte("NETSCAPE2.0")) || bytes.Contains(out, []byte("XMP DataXMP")) {
		t.Error("looping extension dropped or XMP kept")
	}
	if _, format, err := image.Decode(bytes.NewReader(out)); err != nil || format != "gif" {
		t.Fatalf("stripped GIF: %v %s", err, format)
	}
}

func TestStripRefusesDamaged(t *testing.T) {
	for _, c := range []struct {
		typ string
		in  []byte
	}{
		{"image/jpeg", imagetest.JPEG(canary)[:300]},
		{"image/jpeg", []byte("\xff\xd8\xff\xe1\xff\xff")},
		{"image/png", imagetest.PNG(canary)[:100]},
		{"image/png", []byte("\x89PNG\r\n\x1a\nrandom bytes that are no chunks")},
		{"image/webp", []byte("RIFF\xff\xff\xff\xffWEBPVP8L")},
		{"image/webp", []byte("RIFF\x04\x00\x00\x00WEBP")},
		{"image/gif", imagetest.GIF(canary)[:100]},
		{"image/gif", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00")},
	} {
		if out, err := imagemeta.Strip(c.typ, c.in); err == nil {
			t.Errorf("%s %q: stripped to %q, want an error", c.typ, c.in[:min(len(c.in), 16)], out[:min(len(out), 16)])
		}
	}
	if out, err := imagemeta.Strip("application/pdf", []byte("%PDF-1.7")); err != nil || string(out) != "%PDF-1.7" {
		t.Errorf("a PDF: %q %v", out, err)
	}
}

func fuzzStrip(f *testing.F, typ string, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)/2])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		out, err := imagemeta.Strip(typ, in)
		if !bytes.Equal(in, orig) {
			t.Fatal("Strip modified its input")
		}
		if err != nil {
			return
		}
		if len(out) > len(in) {
			t.Fatalf("stripped output grew: %d > %d", len(out), len(in))
		}
		// What comes out walks again, to itself.
		again, err := imagemeta.Strip(typ, out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("second strip: %v", err)
		}
	})
}

func FuzzStripJPEG(f *testing.F) {
	fuzzStrip(f, "image/jpeg", imagetest.JPEG(canary), []byte("\xff\xd8\xff\xd9"), []byte("\xff\xd8\xff\xda\x00\x02\xff\x00\xff\xd0\xff\xff\xd9"))
}

func FuzzStripPNG(f *testing.F) {
	fuzzStrip(f, "image/png", imagetest.PNG(canary))
}

func FuzzStripWebP(f *testing.F) {
	fuzzStrip(f, "image/webp", imagetest.WebP(canary), imagetest.WebPLossless)
}

func FuzzStripGIF(f *testing.F) {
	fuzzStrip(f, "image/gif", imagetest.GIF(canary), []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
}
