import { defineConfig } from 'vite'
import { resolve } from 'node:path'

// The customer widget: one self-contained IIFE (no module imports, no chunks) so a single
// classic <script src=".../widget.js"> works on any page. kefu serves it both as
// /assets/widget-<hash>.js (immutable) and under the stable name /widget.js.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  publicDir: false,
  build: {
    outDir: resolve(__dirname, '../internal/web/dist/site'),
    emptyOutDir: false,
    target: 'es2018',
    lib: {
      entry: resolve(__dirname, 'src/widget/main.tsx'),
      formats: ['iife'],
      name: 'KefuWidget',
    },
    rollupOptions: {
      output: { entryFileNames: 'assets/widget-[hash].js' },
    },
  },
})
