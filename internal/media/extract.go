package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Tools turns attachments into words with programs installed on the host: tesseract for the
// text on a photo (a screenshot of an order, a tracking label), ffmpeg to decode a browser's
// WebM/Opus recording to 16 kHz mono WAV, and pocketsphinx for English speech. Each runs as a
// subprocess with a time limit and a cap on its output. A missing program is ErrUnavailable:
// the feature degrades (the message goes to an agent as it is), it never breaks the chat.
type Tools struct {
	OCRCmd    string        // tesseract binary (KEFU_OCR_CMD)
	OCRLangs  string        // tesseract languages, e.g. chi_sim+eng (KEFU_OCR_LANGS)
	FFmpegCmd string        // ffmpeg binary (KEFU_FFMPEG_CMD)
	STTCmd    string        // pocketsphinx_continuous binary (KEFU_STT_CMD)
	STTModel  string        // pocketsphinx en-us model directory (KEFU_STT_MODEL)
	Timeout   time.Duration // per program run (KEFU_MEDIA_TIMEOUT)
	// MaxVoiceSeconds is how much of a recording is transcribed.
	MaxVoiceSeconds int
}

// DefaultTools are Debian's paths (packages tesseract-ocr, tesseract-ocr-chi-sim, ffmpeg,
// pocketsphinx, pocketsphinx-en-us).
func DefaultTools() Tools {
	return Tools{OCRCmd: "tesseract", OCRLangs: "chi_sim+eng", FFmpegCmd: "ffmpeg", STTCmd: "pocketsphinx_continuous",
		STTModel: "/usr/share/pocketsphinx/model/en-us", Timeout: 60 * time.Second, MaxVoiceSeconds: 120}
}

// ErrUnavailable means a program the feature needs is not installed (or not configured).
var ErrUnavailable = errors.New("media tool unavailable")

// find resolves a configured command to an executable path.
func find(cmd string) (string, error) {
	if strings.TrimSpace(cmd) == "" {
		return "", fmt.Errorf("%w: not configured", ErrUnavailable)
	}
	p, err := exec.LookPath(cmd)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrUnavailable, cmd, err)
	}
	return p, nil
}

// Check reports which features work on this host, for the start-up log.
func (t Tools) Check() (ocr, stt error) {
	_, ocr = find(t.OCRCmd)
	if _, err := find(t.FFmpegCmd); err != nil {
		stt = err
	} else if _, err := find(t.STTCmd); err != nil {
		stt = err
	} else if _, err := os.Stat(filepath.Join(t.STTModel, "en-us")); err != nil {
		stt = fmt.Errorf("%w: pocketsphinx model %s: %v", ErrUnavailable, t.STTModel, err)
	}
	return ocr, stt
}

// maxToolOutput caps what a program may print; the page of a screenshot is a few KB.
const maxToolOutput = 256 << 10

type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil // keep draining so the program does not block on a full pipe
}

// run executes a program with the time limit, no shell, no stdin, single-threaded OCR (the
// machine serves chats too), and returns its standard output.
func (t Tools) run(ctx context.Context, bin string, args ...string) (string, error) {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	cmd.WaitDelay = 2 * time.Second
	out := &capped{max: maxToolOutput}
	errOut := &capped{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = out, errOut
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return "", fmt.Errorf("%s timed out after %s", filepath.Base(bin), timeout)
	}
	if err != nil {
		return "", fmt.Errorf("%s: %v: %s", filepath.Base(bin), err, strings.TrimSpace(errOut.buf.String()))
	}
	return out.buf.String(), nil
}

// OCR reads the text on a photo.
func (t Tools) OCR(ctx context.Context, path string) (string, error) {
	bin, err := find(t.OCRCmd)
	if err != nil {
		return "", err
	}
	langs := t.OCRLangs
	if langs == "" {
		langs = "eng"
	}
	// --psm 3: automatic page segmentation, right for screenshots and labels alike.
	out, err := t.run(ctx, bin, path, "stdout", "-l", langs, "--psm", "3")
	if err != nil {
		return "", err
	}
	return CleanOCR(out), nil
}

// Transcribe converts a recording to 16 kHz mono WAV and recognises English speech in it.
func (t Tools) Transcribe(ctx context.Context, path string) (string, error) {
	ff, err := find(t.FFmpegCmd)
	if err != nil {
		return "", err
	}
	ps, err := find(t.STTCmd)
	if err != nil {
		return "", err
	}
	model := t.STTModel
	if _, err := os.Stat(filepath.Join(model, "en-us")); err != nil {
		return "", fmt.Errorf("%w: pocketsphinx model %s: %v", ErrUnavailable, model, err)
	}
	dir, err := os.MkdirTemp("", "kefu-voice-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	wav := filepath.Join(dir, "voice.wav")
	secs := t.MaxVoiceSeconds
	if secs <= 0 {
		secs = 120
	}
	if _, err := t.run(ctx, ff, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", path, "-t", fmt.Sprint(secs),
		"-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", "-f", "wav", wav); err != nil {
		return "", err
	}
	out, err := t.run(ctx, ps, "-infile", wav, "-hmm", filepath.Join(model, "en-us"), "-lm", filepath.Join(model, "en-us.lm.bin"),
		"-dict", filepath.Join(model, "cmudict-en-us.dict"), "-logfn", os.DevNull)
	if err != nil {
		return "", err
	}
	// pocketsphinx_continuous prints one line per utterance.
	return strings.Join(strings.Fields(out), " "), nil
}

var (
	spaceBetweenHan = regexp.MustCompile(`(\p{Han})[ \t]+(\p{Han})`)
	blankLines      = regexp.MustCompile(`\n{2,}`)
)

// CleanOCR tidies tesseract's output: chi_sim puts spaces between Chinese characters, pages
// end with a form feed, and empty lines separate blocks.
func CleanOCR(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\f' || r == '\r' {
			return '\n'
		}
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		for spaceBetweenHan.MatchString(l) {
			l = spaceBetweenHan.ReplaceAllString(l, "$1$2")
		}
		lines[i] = l
	}
	s = blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n")
	return strings.TrimSpace(s)
}
