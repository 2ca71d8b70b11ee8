package config

import (
	"errors"
	"testing"
	"time"
)

func TestMediaTools(t *testing.T) {
	env := func(m map[string]string) Env { return func(k string) string { return m[k] } }
	c, err := Load(env(map[string]string{}))
	if err != nil || c.Media != DefaultMediaTools() {
		t.Fatalf("defaults: %+v %v", c.Media, err)
	}
	c, err = Load(env(map[string]string{"KEFU_OCR_CMD": "/opt/tess/bin/tesseract", "KEFU_OCR_LANGS": "eng", "KEFU_STT_CMD": "/usr/local/bin/ps",
		"KEFU_STT_MODEL": "/models/en-us", "KEFU_FFMPEG_CMD": "/usr/local/bin/ffmpeg", "KEFU_MEDIA_TIMEOUT": "15s"}))
	if err != nil {
		t.Fatal(err)
	}
	want := MediaTools{OCRCmd: "/opt/tess/bin/tesseract", OCRLangs: "eng", FFmpegCmd: "/usr/local/bin/ffmpeg", STTCmd: "/usr/local/bin/ps", STTModel: "/models/en-us", Timeout: 15 * time.Second}
	if c.Media != want {
		t.Errorf("got %+v, want %+v", c.Media, want)
	}
	for k, v := range map[string]string{"KEFU_MEDIA_TIMEOUT": "forever", "KEFU_OCR_LANGS": "--tessdata-dir /tmp"} {
		_, err := Load(env(map[string]string{k: v}))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Var != k {
			t.Errorf("%s=%q: %v", k, v, err)
		}
	}
	for _, v := range []string{"0s", "11m"} {
		if _, err := Load(env(map[string]string{"KEFU_MEDIA_TIMEOUT": v})); err == nil {
			t.Errorf("KEFU_MEDIA_TIMEOUT=%s accepted", v)
		}
	}
}
