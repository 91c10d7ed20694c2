// The page is on screen and its button usable: the same mark Posko sets for
// its first screen (ui/src/App.svelte), read by the cold-start test.
performance.mark('posko:interactive');
