// Package mediatest makes real photos and voice recordings for tests: a PNG with text drawn
// in the Go fonts (what a customer's screenshot of an order looks like to OCR), and speech
// synthesised by flite and encoded by ffmpeg as a browser's MediaRecorder would (WebM/Opus).
// Only tests import it, so the fonts stay out of the kefu binary.
package mediatest

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// TextPNG draws lines of ASCII text, black on white, like a phone screenshot (the first line
// in the proportional font as a heading, the rest in monospace, as order pages show numbers).
func TextPNG(t testing.TB, lines ...string) []byte {
	t.Helper()
	const width, size, lineGap = 900, 34.0, 64
	img := image.NewRGBA(image.Rect(0, 0, width, 60+lineGap*len(lines)))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	faces := []font.Face{face(t, goregular.TTF, size), face(t, gomono.TTF, size)}
	for i, line := range lines {
		d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: faces[min(i, 1)],
			Dot: fixed.P(40, 40+size+lineGap*i)}
		d.DrawString(line)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func face(t testing.TB, ttf []byte, size float64) font.Face {
	t.Helper()
	f, err := opentype.Parse(ttf)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	return fc
}

// NeedTools skips the test unless every named program is installed.
func NeedTools(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed (Debian package: see .ci/run); test skipped", n)
		}
	}
}

// SpeechWebM synthesises English speech with flite (voice slt) and encodes it as WebM/Opus,
// the format Chrome's MediaRecorder uploads. It skips the test without flite or ffmpeg.
func SpeechWebM(t testing.TB, text string) []byte {
	t.Helper()
	NeedTools(t, "flite", "ffmpeg")
	dir := t.TempDir()
	wav, webm := filepath.Join(dir, "speech.wav"), filepath.Join(dir, "speech.webm")
	if out, err := exec.Command("flite", "-voice", "slt", "-t", text, "-o", wav).CombinedOutput(); err != nil {
		t.Fatalf("flite: %v %s", err, out)
	}
	if out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", wav, "-c:a", "libopus", "-b:a", "32k", webm).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	b, err := os.ReadFile(webm)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
