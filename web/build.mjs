// Builds the dashboard bundle with esbuild: one JS and one CSS file named by
// their content hash, an index.html that loads them by relative URL (so the
// same files work at / and under any prefix), and a .gz of each for nginx's
// gzip_static.  Prints the size of each file as served compressed.
//
//   node build.mjs NODE_MODULES SRCDIR OUTDIR
//
// NODE_MODULES is where `npm ci` put the pinned packages (a cache directory,
// see web/local.mk); nothing is fetched here.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const [nodeModules, srcDir, outDir] = process.argv.slice(2).map((p) => resolve(p));
if (!outDir) {
	console.error('usage: node build.mjs NODE_MODULES SRCDIR OUTDIR');
	process.exit(2);
}
const esbuild = await import(join(nodeModules, 'esbuild', 'lib', 'main.js'));

const tmp = `${outDir}.tmp`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

const result = await esbuild.build({
	entryPoints: [join(srcDir, 'main.js')],
	bundle: true,
	minify: true,
	format: 'iife',
	target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
	nodePaths: [nodeModules],
	outdir: tmp,
	entryNames: 'app-[hash]',
	metafile: true,
	legalComments: 'none',
	logLevel: 'warning',
	sourcemap: false,
});

const outs = Object.keys(result.metafile.outputs).map((p) => resolve(p));
const js = outs.find((p) => p.endsWith('.js'));
const css = outs.find((p) => p.endsWith('.css'));
const base = (p) => p.slice(p.lastIndexOf('/') + 1);

let html = readFileSync(join(srcDir, 'index.html'), 'utf8');
html = html.replace('@APP_JS@', base(js)).replace('@APP_CSS@', base(css));
writeFileSync(join(tmp, 'index.html'), html);

// Precompressed copies for gzip_static, and the sizes a first load costs.
let total = 0;
const sizes = [];
for (const f of readdirSync(tmp)) {
	const raw = readFileSync(join(tmp, f));
	const gz = gzipSync(raw, { level: 9 });
	writeFileSync(join(tmp, `${f}.gz`), gz);
	total += gz.length;
	sizes.push(`${f} ${raw.length} B, ${gz.length} B gzip`);
}
const hash = createHash('sha256').update(html).digest('hex').slice(0, 12);
writeFileSync(join(tmp, 'BUILD'), `${hash}\n`);

rmSync(outDir, { recursive: true, force: true });
(await import('node:fs')).renameSync(tmp, outDir);
for (const s of sizes)
	console.log(`web: ${s}`);
console.log(`web: first load ${total} B gzip (index.html + JS + CSS)`);
