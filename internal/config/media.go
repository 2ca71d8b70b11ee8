package config

import (
	"strings"
	"time"
)

// MediaTools are the programs that read customers' photos and voice messages. A command
// that is not installed turns its feature off (logged at start); such messages then go to
// agents as they are.
type MediaTools struct {
	OCRCmd    string        // KEFU_OCR_CMD: tesseract binary (default tesseract)
	OCRLangs  string        // KEFU_OCR_LANGS: tesseract languages (default chi_sim+eng)
	FFmpegCmd string        // KEFU_FFMPEG_CMD: decodes browser recordings to WAV (default ffmpeg)
	STTCmd    string        // KEFU_STT_CMD: speech recogniser (default pocketsphinx_continuous)
	STTModel  string        // KEFU_STT_MODEL: pocketsphinx en-us model directory
	Timeout   time.Duration // KEFU_MEDIA_TIMEOUT: limit per program run (default 60s)
}

// DefaultMediaTools are the paths Debian's packages install (tesseract-ocr,
// tesseract-ocr-chi-sim, ffmpeg, pocketsphinx, pocketsphinx-en-us).
func DefaultMediaTools() MediaTools {
	return MediaTools{OCRCmd: "tesseract", OCRLangs: "chi_sim+eng", FFmpegCmd: "ffmpeg", STTCmd: "pocketsphinx_continuous",
		STTModel: "/usr/share/pocketsphinx/model/en-us", Timeout: 60 * time.Second}
}

// loadMedia reads the media tool settings over the defaults.
func (c *Config) loadMedia(env Env, get func(k, def string) string) []error {
	var errs []error
	m := DefaultMediaTools()
	m.OCRCmd = get("KEFU_OCR_CMD", m.OCRCmd)
	m.OCRLangs = get("KEFU_OCR_LANGS", m.OCRLangs)
	m.FFmpegCmd = get("KEFU_FFMPEG_CMD", m.FFmpegCmd)
	m.STTCmd = get("KEFU_STT_CMD", m.STTCmd)
	m.STTModel = get("KEFU_STT_MODEL", m.STTModel)
	// Language names become one tesseract argument: no spaces, paths or option-looking values.
	if l := m.OCRLangs; strings.ContainsAny(l, " /\\") || strings.HasPrefix(l, "-") {
		errs = append(errs, &FieldError{"KEFU_OCR_LANGS", "must be tesseract language names joined by +, e.g. chi_sim+eng"})
	}
	if v := env("KEFU_MEDIA_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < time.Second || d > 10*time.Minute {
			errs = append(errs, &FieldError{"KEFU_MEDIA_TIMEOUT", "must be a duration from 1s to 10m, e.g. 60s"})
		} else {
			m.Timeout = d
		}
	}
	c.Media = m
	return errs
}
