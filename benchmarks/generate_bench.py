"""BioMed-VITAL generation throughput: `medvlm.vital.generate.generate` with 16 requests in flight vs one at a time, against
the loopback OpenAI-compatible test server with a fixed per-request latency, through the real `openai` client (cache,
parsing and output files included). Both are measured in one run on the same figures, each into a fresh folder (no
cache hits); prints both rates and their ratio, then one JSON line. Goal: concurrent >= 12x sequential.

    .venv/bin/python benchmarks/generate_bench.py [--requests 128] [--latency 0.2] [--concurrency 16]
        [--demonstrations per-domain|k-center]
"""
import argparse, json, os, tempfile, time
from pathlib import Path

from medvlm.vital.generate import GenerateConfig, generate
from medvlm.vital.backends import ChatTestServer, OfflineBackend, OpenAIBackend, truth_demonstrations
from medvlm.synth.toolkit import SynthPreset
from medvlm.synth.pmc import write_pmc
from medvlm.data.vqa_loaders import load_pmc_captions

KEY_ENV = 'GENERATE_BENCH_API_KEY'


def timed_run(figures, demos, backend, out, concurrency, choice) -> float:
    "Requests per second of one generation run (all requests fresh)."
    start = time.perf_counter()
    result = generate(figures, demos, backend, out, GenerateConfig(concurrency=concurrency, demonstrations=choice))
    seconds = time.perf_counter() - start
    assert result.requested == len(figures) and not result.failures, (result.requested, result.failures[:1])
    return len(figures) / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--requests', type=int, default=128, help='figures to ask about (one request each)')
    parser.add_argument('--latency', type=float, default=0.2, help="the server's seconds per request")
    parser.add_argument('--concurrency', type=int, default=16)
    parser.add_argument('--demonstrations', default='per-domain', choices=['per-domain', 'k-center'])
    args = parser.parse_args()
    os.environ.setdefault(KEY_ENV, 'sk-bench-not-a-real-key')
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = write_pmc(tmp/'pmc', seed=0, preset=SynthPreset('bench', train=args.requests + 5, val=0, test=0, generic=0))
        figures = load_pmc_captions(root).items
        demos = truth_demonstrations(figures, OfflineBackend.from_root(root))
        figures = [f for f in figures if f.pair_id not in {d.id for d in demos}][:args.requests]
        with ChatTestServer(latency=args.latency) as server:
            backend = OpenAIBackend('gpt-4o', server.url, KEY_ENV, timeout=30)
            timed_run(figures[:2], demos, backend, tmp/'warm-up', 2, args.demonstrations)   # imports, first connection
            concurrent = timed_run(figures, demos, backend, tmp/'concurrent', args.concurrency, args.demonstrations)
            sequential = timed_run(figures, demos, backend, tmp/'sequential', 1, args.demonstrations)
            served = len(server.requests)
    ratio = concurrent / sequential
    print(f'{len(figures)} requests, {args.latency:.2f} s each at the server ({served} served in all)')
    print(f'sequential:            {sequential:7.2f} requests/s (ideal {1 / args.latency:.2f})')
    print(f'concurrency {args.concurrency:2d}:        {concurrent:7.2f} requests/s (ideal {args.concurrency / args.latency:.2f})')
    print(f'speed-up:              {ratio:7.2f}x (goal >= 12x)')
    print(json.dumps({'benchmark': 'generate', 'requests': len(figures), 'latency_s': args.latency,
                      'demonstrations': args.demonstrations, 'concurrency': args.concurrency,
                      'sequential_per_s': round(sequential, 3), 'concurrent_per_s': round(concurrent, 3),
                      'speedup': round(ratio, 2), 'goal': 12, 'met': ratio >= 12}))


if __name__ == '__main__':
    main()
