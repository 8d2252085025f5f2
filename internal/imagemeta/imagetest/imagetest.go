package imagetest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

const gpsIFDTag = 0x8825

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for y := 0; y < 24; y++ {
		for x := 0; x < 32; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 10), 128, 255})
		}
	}
	return img
}

// EXIF is a TIFF-structured EXIF block (after the "Exif\0\0" header) with
// an ImageDescription holding canary and a GPS IFD with latitude and
// longitude (N 48° 51', E 2° 21').
func EXIF(canary string) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("II*\x00")
	binary.Write(&b, le, uint32(8)) // IFD0 at 8
	// IFD0: 2 entries: ImageDescription (ASCII), GPS IFD pointer.
	desc := []byte(canary + "\x00")
	ifd0 := 8
	ifd0Len := 2 + 2*12 + 4
	descOff := ifd0 + ifd0Len
	gpsOff := descOff + len(desc)
	binary.Write(&b, le, uint16(2))
	binary.Write(&b, le, []uint16{0x010E, 2})
	binary.Write(&b, le, uint32(len(desc)))
	binary.Write(&b, le, uint32(descOff))
	binary.Write(&b, le, []uint16{gpsIFDTag, 4})
	binary.Write(&b, le, uint32(1))
	binary.Write(&b, le, uint32(gpsOff))
	binary.Write(&b, le, uint32(0))
	b.Write(desc)
	// GPS IFD: LatitudeRef "N", Latitude 3 rationals, LongitudeRef "E", Longitude.
	gpsLen := 2 + 4*12 + 4
	ratOff := gpsOff + gpsLen
	binary.Write(&b, le, uint16(4))
	binary.Write(&b, le, []uint16{0x0001, 2})
	binary.Write(&b, le, uint32(2))
	b.WriteString("N\x00\x00\x00")
	binary.Write(&b, le, []uint16{0x0002, 5})
	binary.Write(&b, le, uint32(3))
	binary.Write(&b, le, uint32(ratOff))
	binary.Write(&b, le, []uint16{0x0003, 2})
	binary.Write(&b, le, uint32(2))
	b.WriteString("E\x00\x00\x00")
	binary.Write(&b, le, []uint16{0x0004, 5})
	binary.Write(&b, le, uint32(3))
	binary.Write(&b, le, uint32(ratOff+24))
	binary.Write(&b, le, uint32(0))
	binary.Write(&b, le, []uint32{48, 1, 51, 1, 0, 1, 2, 1, 21, 1, 0, 1})
	return b.Bytes()
}

// GIF is a real GIF with a comment extension and an XMP application
// extension holding canary after its colour table, and a NETSCAPE2.0
// looping extension (kept).
func GIF(canary string) []byte {
	var enc bytes.Buffer
	if err := gif.Encode(&enc, picture(), nil); err != nil {
		panic(err)
	}
	raw := enc.Bytes()
	at := 13
	if raw[10]&0x80 != 0 {
		at += 3 << (raw[10]&7 + 1)
	}
	sub := func(data string) []byte { // data as sub-blocks of at most 255 bytes
		var s []byte
		for len(data) > 0 {
			n := min(len(data), 255)
			s = append(s, byte(n))
			s = append(s, data[:n]...)
			data = data[n:]
		}
		return append(s, 0)
	}
	var out bytes.Buffer
	out.Write(raw[:at])
	out.Write([]byte{0x21, 0xFF, 11})
	out.WriteString("NETSCAPE2.0")
	out.Write([]byte{3, 1, 0, 0, 0})
	out.Write(append([]byte{0x21, 0xFE}, sub("comment "+canary)...))
	out.Write([]byte{0x21, 0xFF, 11})
	out.WriteString("XMP DataXMP")
	out.Write(sub("<x:xmpmeta>" + canary + "</x:xmpmeta>")[0:])
	out.Write(raw[at:])
	return out.Bytes()
}

// JPEG is a real JPEG with an EXIF APP1 (GPS, canary), an XMP APP1, an
// IPTC APP13 and a COM segment, all holding canary, after its JFIF APP0,
// and an ICC APP2 (kept).
func JPEG(canary string) []byte {
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, picture(), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	raw := enc.Bytes()
	seg := func(m byte, payload []byte) []byte {
		s := []byte{0xFF, m, 0, 0}
		binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
		return append(s, payload...)
	}
	var out bytes.Buffer
	out.Write(raw[:2]) // SOI
	out.Write(seg(0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")))
	out.Write(seg(0xE1, append([]byte("Exif\x00\x00"), EXIF(canary)...)))
	out.Write(seg(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><rdf:Description exif:GPSLatitude=\"48,51N\">"+canary+"</rdf:Description></x:xmpmeta>")))
	out.Write(seg(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00"+canary)))
	out.Write(seg(0xFE, []byte(canary)))
	out.Write(seg(0xE2, []byte("ICC_PROFILE\x00\x01\x01not a real profile")))
	out.Write(raw[2:])
	out.Write([]byte("trailing " + canary))
	return out.Bytes()
}

// PNG is a real PNG with tEXt, zTXt, iTXt, eXIf (GPS) and tIME chunks
// holding canary, and a gAMA chunk (kept).
func PNG(canary string) []byte {
	var enc bytes.Buffer
	if err := png.Encode(&enc, picture()); err != nil {
		panic(err)
	}
	raw := enc.Bytes()
	chunk := func(typ string, data []byte) []byte {
		c := make([]byte, 8, 12+len(data))
		binary.BigEndian.PutUint32(c, uint32(len(data)))
		copy(c[4:], typ)
		c = append(c, data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	}
	ihdrEnd := 8 + 12 + 13
	var out bytes.Buffer
	out.Write(raw[:ihdrEnd])
	out.Write(chunk("gAMA", []byte{0, 0, 0xB1, 0x8F}))
	out.Write(chunk("tEXt", []byte("Comment\x00"+canary)))
	out.Write(chunk("zTXt", []byte("Author\x00\x00"+canary)))
	out.Write(chunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+canary)))
	out.Write(chunk("eXIf", EXIF(canary)))
	out.Write(chunk("tIME", []byte{0x07, 0xEA, 12, 6, 17, 40, 0}))
	out.Write(chunk("prVt", []byte(canary)))
	out.Write(raw[ihdrEnd:])
	out.Write([]byte(canary))
	return out.Bytes()
}

// WebPLossless is a valid 1x1 lossless WebP (a VP8L chunk only).
var WebPLossless, _ = base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")

// WebP is WebPLossless extended: a VP8X chunk announcing EXIF and XMP, the
// VP8L chunk, an EXIF chunk (GPS, canary) and an XMP chunk (canary).
func WebP(canary string) []byte {
	chunk := func(typ string, data []byte) []byte {
		c := make([]byte, 8, 9+len(data))
		copy(c, typ)
		binary.LittleEndian.PutUint32(c[4:], uint32(len(data)))
		c = append(c, data...)
		if len(data)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	vp8x := make([]byte, 10)
	vp8x[0] = 0x08 | 0x04 // EXIF, XMP
	// canvas 1x1: width-1 and height-1 as 24-bit values: zero.
	var body bytes.Buffer
	body.WriteString("WEBP")
	body.Write(chunk("VP8X", vp8x))
	body.Write(WebPLossless[12:])
	body.Write(chunk("EXIF", EXIF(canary)))
	body.Write(chunk("XMP ", []byte("<x:xmpmeta>"+canary+"</x:xmpmeta>")))
	out := []byte("RIFF\x00\x00\x00\x00")
	binary.LittleEndian.PutUint32(out[4:], uint32(body.Len()))
	return append(out, body.Bytes()...)
}
