import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  // The user guide (../docs/panduan) is bundled into the Bantuan screen.
  server: { port: 5173, strictPort: true, fs: { allow: ['.', '../docs/panduan'] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2021',
    // Old office PCs: one CSS file, no runtime style injection (CSP friendly).
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
