"""Probe (issue 17): does the compare-and-copy circuit an MCQ answer needs ("Which option says blick?" -> the letter
before the option that says it) form in the tiny base, and under which data? Text only, the base preset's model,
tokenizer, collator and loop, batch 32, one thread. Every `every` steps it prints the exact-repeat rate of 64 held-out
`copy` items and the lookup accuracy on 50 held-out items per option count (2/3/4/5), by greedy generation and parsed
(`lookup`) and by the letter logits after "The correct answer is " (`tf`). 50_pretrain quotes its figures.

    .venv/bin/python benchmarks/lookup_probe.py '{"name":"B","lr":1e-3,"phases":[[3000,{"copy":0.5,"lookup":0.5}]]}'

Keys: phases [[steps, {task: share}], ...] (tasks: copy, copy_long, lookup, lookup_bal, lookup_var, lookup_phr,
lookup_multi, forward, stated, lookup_bare with "bare":1), lr, every, untied, words (core-pool size), pool ("train": the 3,000
multi-token train words instead of the single-token core pool), novel (1: test lookup on the 600 novel words), n_max (most options), spec (TinyBaseSpec overrides), rope_theta, syll (1 or 2: syllable pieces, below), seed (the stream's and the initial weights', default 0), processor
(a checkpoint folder whose tokenizer and processor the probe uses instead of training its own).
The runs of 2026-12-04 (about 4-15 minutes each on a shared core):
    A  {"lr":1e-3,"phases":[[600,{"copy":1}],[2400,{"copy":0.5,"lookup":0.5}]]}
    B  {"lr":1e-3,"phases":[[3000,{"copy":0.5,"lookup":0.5}]]}
    B6 {"lr":1e-3,"every":1000,"phases":[[6000,{"copy":0.5,"lookup":0.5}]]}
    D  {"lr":1e-3,"phases":[[4000,{"copy":0.5,"lookup_bal":0.5}]]}
    H1 {"lr":1e-3,"every":1000,"phases":[[4000,{"copy":0.3,"lookup_var":0.4,"forward":0.3}]]}
    R  {"lr":1e-3,"rope_theta":1000000,"spec":{"text_heads":4},"phases":[[4000,{"copy":0.5,"lookup":0.5}]]}
    L  {"lr":1e-3,"every":1000,"phases":[[6000,{"copy_long":0.5,"lookup":0.5}]]}
    D2 {"lr":1e-3,"words":120,"n_max":5,"phases":[[5000,{"copy":0.5,"lookup":0.5}]]}
    V  {"lr":1e-3,"phases":[[5000,{"copy":0.5,"lookup_phr":0.5}]]}
    N  {"lr":1e-3,"bare":1,"phases":[[4000,{"copy":0.5,"lookup_bare":0.5}]]}
    U  {"lr":1e-3,"untied":1,"phases":[[4000,{"copy":0.5,"lookup":0.5}]]}    <- the lookup forms (untied embeddings)
    M  {"lr":1e-3,"untied":1,"pool":"train","novel":1,"every":1000,"phases":[[5000,{"copy":0.5,"lookup":0.5}]]}
       (multi-token words, tested on novel ones: copy 1.00 by 3,000; lookup at chance at 1,000-5,000)
    C  {"lr":1e-3,"untied":1,"novel":1,"every":1000,"phases":[[2000,{"copy":0.5,"lookup":0.5},"core"],[4000,{"copy":0.3,"lookup":0.7},"train"]]}
       (one-token then multi-token words, tested on novel ones: chance at 2,000; 0.90/0.52/0.44/0.32 at 3,000,
       1.00/0.68/0.50/0.40 at 4,000, 0.98/0.74/0.50/0.32 at 5,000 — right when the answer is A or B: the positional
       shortcut of run B, not the lookup; stopped at 5,000)
    W  {"lr":1e-3,"untied":1,"pool":"train","novel":1,"every":1000,"spec":{"text_layers":8},"phases":[[5000,{"copy":0.5,"lookup":0.5}]]}
       (M with 8 text layers instead of 4: copy 0.98 by 3,000; lookup on novel words chance at 1,000-3,000,
       0.70/0.40/0.36/0.22 at 4,000, 0.84/0.62/0.42/0.26 at 5,000, still rising; about 2x M's time per step)
    W12 {"lr":1e-3,"untied":1,"pool":"train","novel":1,"every":1000,"spec":{"text_layers":8},"phases":[[12000,{"copy":0.5,"lookup":0.5}]]}
       (2026-12-05, W on a 12,000-step schedule, 6,536 s on one core: copy 1.00 by 6,000; lookup on novel words at
       chance to 8,000, 0.66/0.34/0.24/0.26 at 10,000, 0.68/0.36/0.30/0.24 at 12,000; right when the answer is C or
       later ("C-or-later", printed since this run) 0.17 at the end: no lookup formed)
    X  {"lr":1e-3,"untied":1,"pool":"train","novel":1,"every":1000,"phases":[[5000,{"copy":0.3,"lookup_multi":0.7}]]}
       (2026-12-05, M with dense supervision: each lookup conversation asks 3-7 more questions about the same options in
       later turns, so a sequence carries 4-8 supervised letters instead of one; 3,774 s on a shared core. Copy 0.55 /
       0.83 / 0.89 / 0.92 at 2,000-5,000; lookup on novel words at chance throughout (0.50/0.30/0.30/0.20 at 5,000,
       C-or-later 0.37): more answer letters per sequence did not make the lookup form)
The runs of 2026-12-05, with "syll" (1: every word in syllable pieces, a made-up word written the same regular way
whether seen or not, 'Ġjai dai' where the BPE wrote 'Ġj ai d ai'; 2: the same, but the instructions' own words stay
whole, so a lookup item is 29 tokens as with the BPE instead of 44). "lookup" is by generation and was cut short
(8 new tokens) in S and S2, whose answers need 11 with syllables: read "tf" (letter logits) for those two.
    S  {"syll":1,"lr":1e-3,"untied":1,"pool":"train","novel":1,"every":500,"phases":[[5000,{"copy":0.5,"lookup":0.5}]]}
       (M with syllables, 1,918 s on a shared core: copy 0.98 by 2,000; the lookup on novel words at chance (always
       one letter) to 3,500, then tf 0.76/0.48/0.38/0.22 at 4,000, 0.86/0.54/0.36/0.14 at 4,500, 0.80/0.52/0.42/0.28 at
       5,000, when the one-cycle schedule had run out: the first probe whose lookup on unseen multi-token words left
       chance; M, the same run with the BPE, stayed at chance)
    S2 S at lr 2e-3: one letter always, to the end (0.50/0.36/0.22/0.20 at 5,000)
    SH10 {"syll":2,"lr":1e-3,"untied":1,"pool":"train","novel":1,"every":1000,"phases":[[10000,{"copy":0.5,"lookup":0.5}]]}
       (the hybrid on a 10,000-step schedule, 2,606 s on a shared core: copy 0.97 by 2,000; the lookup on novel words at
       chance to 4,000, then 0.70/0.42/0.26/0.20 at 5,000, 0.94/0.82/0.70/0.64 at 6,000, 0.94/0.92/0.88/0.76 at 7,000,
       0.96/0.94/0.94/0.82 at 9,000 and 0.94/0.90/0.92/0.82 at 10,000, right 0.84 of the time when the answer is C or
       later: the lookup formed, over words never seen in training — the tokenizer was the lever. One run, one seed)
    SH10s1 SH10 with "seed":1 (2,549 s): chance to 2,000 and beyond; 0.96/0.84/0.82/0.54 at 9,000, 0.96/0.88/0.86/0.64 at
       10,000, C-or-later 0.74: formed again with another seed, a little later and less complete
    SHT SH10 with the tokenizer of base recipe v7 (seed 0's stage 1: learnt on every task's text, 82 words whole), via
       "processor" (3,180 s, cores shared): chance to 4,000; 0.58/0.46/0.26/0.20 at 5,000, 0.92/0.62/0.44/0.32 at 7,000,
       0.94/0.80/0.62/0.50 at 10,000, C-or-later 0.31: a partial lookup beyond the first-two-options shortcut (that
       scores 1.00/0.67/0.50/0.40, C-or-later 0), weaker than SH10's
    SH10s2 SH10 with "seed":2 (cores shared): one letter always (A) at every probe to 8,000; 0.38/0.36/0.36/0.18 at
       9,000 (C-or-later 0.49); stopped there: with the probes' own tokenizer the lookup had not formed on this seed
       by 9,000, where SH10 and SH10s1 had it -- formation depends on the seed, not only on the tokenizer
"""
import sys, json, time, numpy as np, torch
from medvlm.synth.tasks import task_copy, task_lookup, task_stated, core_words, train_words, novel_words, mcq_turns
from medvlm.core.records import Turn
from medvlm.data.benchmarks import letters_for
from medvlm.model.tiny_base import TinyBaseSpec, build_tiny_base
from medvlm.model.collate import ChatCollator, ChatExample, generate_answers
from medvlm.model.train import TrainConfig, Callback, train
from lookup_items import lookup_items, parsed_lookup
torch.set_num_threads(1)
cfg = json.loads(sys.argv[1])
name, phases, lr, steps = cfg['name'], cfg['phases'], cfg['lr'], sum(p[0] for p in cfg['phases'])
spec = TinyBaseSpec(vocab_size=1536, **cfg.get('spec', {}))
if cfg.get('untied'):
    import medvlm.model.tiny_base as TB
    _tc0 = TB.tiny_config
    def tc0(spec, tok):
        c = _tc0(spec, tok); c.text_config.tie_word_embeddings = False; c.tie_word_embeddings = False; return c
    TB.tiny_config = tc0
if 'rope_theta' in cfg:
    import medvlm.model.tiny_base as TB
    _tc = TB.tiny_config
    def tc(spec, tok):
        c = _tc(spec, tok); c.text_config.rope_parameters = {'rope_type': 'default', 'rope_theta': cfg['rope_theta']}; return c
    TB.tiny_config = tc
if cfg.get('syll'):
    # syllable pieces: a word splits into (consonants + vowels) pieces and a closing consonant run, so a made-up word
    # is tokenised the same way whether it was seen in training or not ('Ġjai', 'dai')
    import medvlm.model.tiny_base as TB
    C, V = 'b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z', 'aeiouAEIOU'
    TB.PIECES = r"[A-Z]\.(?=\s|$)| (?=[A-Z]\.(?:\s|$))| ?[" + C + "]*[" + V + r"y]+| ?[" + C + r"]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+"
POOLS = {'core': core_words()[:cfg.get('words', 240)], 'train': train_words()}
POOLS['mixed'] = POOLS['core'] + POOLS['train']
w = POOLS[cfg.get('pool', 'core')]
test_words = novel_words() if cfg.get('novel') else w
def pool_of(step):
    "a phase may name its own word pool as a third element (the one-token -> multi-token curriculum)"
    at = 0
    for phase in phases:
        at += phase[0]
        if step < at: break
    return POOLS[phase[2]] if len(phase) > 2 else w
def lookup_bal(rng, attributes, words, n_max=6, **_):
    at = int(rng.integers(n_max)); n = int(rng.integers(max(at + 1, 2), n_max + 1))
    opts = [words[i] for i in rng.permutation(len(words))[:n]]
    return False, mcq_turns(f"Which option says {opts[at]}?", opts, at, False)
def lookup_var(rng, attributes, words, n_max=6, **_):
    n = int(rng.integers(2, n_max + 1)); at = int(rng.integers(n))
    opts = [words[i] for i in rng.permutation(len(words))[:n]]
    pre = ''
    if rng.random() < 0.5: pre = 'Note: ' + ' '.join(words[i] for i in rng.integers(len(words), size=int(rng.integers(1, 9)))) + '.\n'
    return False, mcq_turns(f"Which option says {opts[at]}?", opts, at, False, pre)
def forward(rng, attributes, words, n_max=6, **_):
    n = int(rng.integers(2, n_max + 1)); at = int(rng.integers(n))
    opts = [words[i] for i in rng.permutation(len(words))[:n]]
    body = '\n'.join(f"{l}. {o}" for l, o in zip(letters_for(n), opts))
    return False, [Turn('human', f"What does option {letters_for(n)[at]} say?\n{body}"), Turn('gpt', opts[at])]
def copy_long(rng, attributes, words, **_):
    text = ' '.join(words[i] for i in rng.integers(len(words), size=int(rng.integers(8, 25))))
    return False, [Turn('human', f"Repeat: {text}"), Turn('gpt', text)]
def lookup_phr(rng, attributes, words, n_max=6, **_):
    n = int(rng.integers(2, n_max + 1)); at = int(rng.integers(n))
    opts = []
    while len(opts) < n:
        p = ' '.join(words[i] for i in rng.integers(len(words), size=int(rng.integers(1, 3))))
        if p not in opts: opts.append(p)
    pre = ''
    if rng.random() < 0.5: pre = 'Note: ' + ' '.join(words[i] for i in rng.integers(len(words), size=int(rng.integers(1, 9)))) + '.\n'
    return False, mcq_turns(f"Which option says {opts[at]}?", opts, at, False, pre)
def lookup_bare(rng, attributes, words, n_max=6, **_):
    "lookup answered with the bare letter ('B.'), no 'The correct answer is' prefix."
    image, turns = task_lookup(rng, attributes, words, n_max=n_max, image_share=0.0, max_words=1)
    return image, [turns[0], Turn('gpt', turns[1].value.removeprefix('The correct answer is '))]
def lookup_multi(rng, attributes, words, n_max=6, **_):
    "the paper's MCQ about made-up options, then 3-7 more questions about the same options in later turns (dense supervision)"
    image, turns = task_lookup(rng, attributes, words, n_max=n_max, image_share=0.0, max_words=1)
    opts = [line.split('. ', 1)[1] for line in turns[0].value.split('\n')[1:] if line[:1].isupper() and line[1:3] == '. ']
    for _ in range(int(rng.integers(3, 8))):
        at = int(rng.integers(len(opts)))
        turns += [Turn('human', f"Which option says {opts[at]}?"), Turn('gpt', f"The correct answer is {letters_for(len(opts))[at]}.")]
    return False, turns
TASK = {'lookup_multi': lookup_multi, 'lookup_bare': lookup_bare, 'lookup_phr': lookup_phr, 'copy_long': copy_long, 'forward': forward, 'lookup_var': lookup_var, 'copy': task_copy, 'lookup': task_lookup, 'stated': task_stated, 'lookup_bal': lookup_bal}
def phase_of(step):
    at = 0
    for n, mix, *_ in phases:
        at += n
        if step < at: return mix
    return phases[-1][1]
class Stream:
    def __len__(self): return steps * 32
    def __getitem__(self, i):
        rng = np.random.default_rng([cfg.get("seed", 0), i]); mix = phase_of(i // 32)
        names = list(mix); p = np.array(list(mix.values()), float); t = names[rng.choice(len(names), p=p / p.sum())]
        return ChatExample(None, TASK[t](rng, {}, words=pool_of(i // 32), n_max=cfg.get('n_max', 6), image_share=0.0, max_words=1)[1])
s = Stream()
texts = [t.value for i in range(0, len(s), max(len(s)//3000, 1)) for t in s[i].turns]     # what the tokenizer learns from
if cfg.get('syll') == 2:
    # hybrid: the instructions' own words stay whole pieces (sequences no longer than with the BPE); made-up words,
    # and any other word, split into syllables
    import re, medvlm.model.tiny_base as TB
    made_up = set(core_words()) | set(train_words()) | set(novel_words())
    whole = sorted({x for text in texts for x in re.findall('[A-Za-z]+', text)} - made_up, key=lambda x: (-len(x), x))
    TB.PIECES = TB.PIECES.replace(' ?[b-df', ' ?(?:' + '|'.join(whole) + ')(?![A-Za-z])| ?[b-df', 1)
    print(len(whole), 'whole words:', whole[:12], flush=True)
if cfg.get('processor'):
    # the tokenizer (and processor) of another checkpoint, e.g. a base recipe's stage 1: does the probe form the lookup with it?
    from transformers import AutoProcessor, LlavaForConditionalGeneration
    from medvlm.model.tiny_base import tiny_config
    proc = AutoProcessor.from_pretrained(cfg['processor'])
    torch.manual_seed(cfg.get("seed", 0))
    model = LlavaForConditionalGeneration(tiny_config(spec, proc.tokenizer))
else:
    model, proc = build_tiny_base(texts + sorted({x for ph in phases if len(ph) > 2 for x in POOLS[ph[2]]} | set(w)), spec, seed=cfg.get("seed", 0))
copies = [task_copy(np.random.default_rng([9, i]), {}, words=w)[1] for i in range(64)]
looks = lookup_items(test_words)
LETTER_IDS = [proc.tokenizer.convert_tokens_to_ids(f'{l}.') for l in 'ABCDEF']
def letter_acc(m):
    texts = [proc.apply_chat_template([{'role': 'user', 'content': q}], tokenize=False, add_generation_prompt=True) + ('' if cfg.get('bare') else 'The correct answer is ') for _, q, _ in looks]
    proc.tokenizer.padding_side = 'left'
    enc = proc.tokenizer(texts, return_tensors='pt', padding=True, add_special_tokens=False)
    with torch.no_grad(): logits = m(**enc).logits[:, -1]
    res = {}
    for n in (2, 3, 4, 5):
        rows = [j for j, (k, _, _) in enumerate(looks) if k == n]
        pick = logits[rows][:, LETTER_IDS[:n]].argmax(1)
        res[n] = float(np.mean([letters_for(n)[int(p)] == looks[j][2] for p, j in zip(pick, rows)]))
        res.setdefault('late', []).extend(letters_for(n)[int(p)] == looks[j][2] for p, j in zip(pick, rows) if looks[j][2] not in 'AB')
    return res
class Probe(Callback):
    def after_step(self, m, step, h):
        if step % cfg.get('every', 500) == 0:
            out = generate_answers(m, proc, [None] * 64, [t[0].value for t in copies], max_new_tokens=16, batch_size=64)
            c = np.mean([o.strip() == t[1].value for o, t in zip(out, copies)])
            out = generate_answers(m, proc, [None] * len(looks), [q for _, q, _ in looks], max_new_tokens=16, batch_size=100)
            acc, late = parsed_lookup(out, looks)
            tf = letter_acc(m)
            print(f"{name} step {step} copy {c:.2f} lookup " + '/'.join(f"{v:.2f}" for v in acc.values()) + ' tf ' + '/'.join(f"{tf[n]:.2f}" for n in (2, 3, 4, 5)) + f" tf-C-or-later {np.mean(tf['late']):.2f}" + f" C-or-later {np.mean(late):.2f} (n={len(late)}) loss {h[-1]['loss'] if h else None} t {time.time()-T0:.0f}s", flush=True); m.train()
T0 = time.time()
collator = ChatCollator(proc)
train(model, s, collator, TrainConfig(epochs=1, batch_size=32, lr=lr, schedule=cfg.get('schedule', 'one-cycle'), warmup=cfg.get('warmup', 0.05), log_every=50, shuffle=False), callbacks=[Probe()], progress=False)
