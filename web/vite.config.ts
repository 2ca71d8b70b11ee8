import { defineConfig } from 'vite'
import { resolve } from 'node:path'

// The workspace/console app and the demo shop page. The widget has its own build
// (vite.widget.config.ts) because it must be one classic script that any shop page can load.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: resolve(__dirname, '../internal/web/dist/site'),
    emptyOutDir: true,
    target: 'es2020',
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        index: resolve(__dirname, 'index.html'),
        demo: resolve(__dirname, 'demo.html'),
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/widget.js': 'http://127.0.0.1:8080' } },
})
