"""Issue 17: where does the described-only MCQ fail inside the base? Linear probes on its residual stream, N MCQs on
trained attributes and N on fill (the attribute seen only in descriptions), on the generic world's `val` scenes,
each read at every layer (0: the embeddings) with "The correct answer is " after the prompt:

- `match`: at each option's last word token, is this the option that names what the image shows? A logistic probe
  fitted on the options of 70 % of the trained items, scored as an MCQ (the option it rates highest) on the other 30 %
  and on fill's items. Chance: about 0.24 (four or five options).
- `seen`: at the prompt's last token, which fill (or colour) does the scene have? A multinomial probe, 5-fold
  cross-validated over the items of that attribute; beside it the majority share.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/option_probe.py MODEL WORLD [N]

2026-12-07 (nineteenth session), v17 (shipped), N 400:

    layer                               0      1      2      3      4
    match, trained attributes held out  0.317  0.758  0.800  0.792  0.775
    match, fill                         0.235  0.235  0.287  0.280  0.263
    seen, fill (majority 0.263)         0.263  0.562  0.598  0.588  0.583
    seen, colour (majority 0.140)       0.140  0.620  0.597  0.395  0.263

v17 continued 1,500 steps by `base_continue.py tie-values` (its value words' ways in tied to their ways out), N 400:

    match, trained attributes held out  0.300  0.867  0.850  0.833  0.817
    match, fill                         0.250  0.258  0.260  0.230  0.253
    seen, fill (majority 0.263)         0.263  0.673  0.675  0.637  0.478
    seen, colour (majority 0.140)       0.138  0.750  0.693  0.537  0.307

From layer 1 on, the tokens of a trained attribute's options carry whether they name what the image shows (a linear
read picks the right option 0.76-0.80 of the time; the base itself 0.96); fill's options carry nothing of the kind
(0.24-0.29), although the scene's fill is there to read at the prompt's end (0.56-0.60 against 0.26). So the MCQ is
answered by comparing each option with the image at the option's own tokens, and that comparison is learnt for the
words of the attributes it was asked about: for fill's words it is never made. Tying the value words' rows does not
change that: the rebuilt comparisons read sharper, fill's options still carry nothing.
"""
import sys, torch, numpy as np
from pathlib import Path
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from transformers import AutoProcessor, LlavaForConditionalGeneration
from medvlm.base.pretrain import ImageCache, scenes
from medvlm.synth.tasks import skill_items
from medvlm.model.collate import render, chat_messages, adds_bos
from medvlm.core.records import Turn

MODEL, WORLD = sys.argv[1], Path(sys.argv[2])
N = int(sys.argv[3]) if len(sys.argv) > 3 else 400
torch.set_num_threads(2)
processor, model = AutoProcessor.from_pretrained(MODEL), LlavaForConditionalGeneration.from_pretrained(MODEL).eval()
tokenizer, images = processor.tokenizer, ImageCache(WORLD)
val = scenes(WORLD, 'val')
attributes = dict(val)
suite = skill_items(val, ('fill',), N, 1)
LETTERS = {tokenizer.convert_tokens_to_ids(letter + '.'): letter for letter in 'ABCDEF'}   # the letter with its dot: one token
NEWLINES = {i for token, i in tokenizer.get_vocab().items() if 'Ċ' in token}

def option_ends(ids:list) -> list:
    "[(letter, index of the option's last word token)] of the options listed in `ids`, one a line."
    found = []
    for at, token in enumerate(ids):
        if token in LETTERS and ids[at - 1] in NEWLINES:
            end = at + 1
            while end < len(ids) and ids[end] not in NEWLINES: end += 1
            found.append((LETTERS[token], end - 1))
    return found

@torch.no_grad()
def residuals(item) -> tuple:
    "([each option's residuals, layers × width], the options' letters, the prompt end's residuals)."
    text = render(processor, chat_messages([Turn('human', item.question)], True), True) + 'The correct answer is '
    inputs = processor(images=[[images(item.image)]], text=[text], return_tensors='pt', add_special_tokens=adds_bos(tokenizer, [text]))
    states = torch.stack(model(**inputs, output_hidden_states=True).hidden_states)[:, 0]    # layers × tokens × width
    ends = option_ends(inputs['input_ids'][0].tolist())
    return [states[:, at].numpy() for _, at in ends], [letter for letter, _ in ends], states[:, -1].numpy()

read = {skill: [(item, *residuals(item)) for item in suite[skill]] for skill in ('mcq', 'mcq_describe_only')}
cut = int(0.7 * len(read['mcq']))
fitted_on, held_out, fill = read['mcq'][:cut], read['mcq'][cut:], read['mcq_describe_only']
layers = fitted_on[0][3].shape[0]

def as_mcq(probe, rows, layer) -> float:
    "Share of `rows` whose right option the probe rates highest."
    return float(np.mean([letters[int(np.argmax(probe.decision_function(np.stack([o[layer] for o in options]))))] == item.answer
                          for item, options, letters, _ in rows]))

for layer in range(layers):
    X = np.concatenate([np.stack([o[layer] for o in options]) for _, options, _, _ in fitted_on])
    y = np.concatenate([[letter == item.answer for letter in letters] for item, _, letters, _ in fitted_on])
    probe = LogisticRegression(max_iter=2000).fit(X, y)
    print(f'match, layer {layer}: trained attributes held out {as_mcq(probe, held_out, layer):.3f}, fill {as_mcq(probe, fill, layer):.3f}')
for key, rows in (('fill', fill), ('colour', read['mcq'])):
    y = np.array([attributes[item.image][key] for item, *_ in rows])
    majority = max(np.mean(y == value) for value in set(y))
    for layer in range(layers):
        X = np.stack([end[layer] for *_, end in rows])
        print(f'seen, {key}, layer {layer}: {cross_val_score(LogisticRegression(max_iter=2000), X, y, cv=5).mean():.3f} (majority {majority:.3f})')
