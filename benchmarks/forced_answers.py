"""The model's greedy continuation of answers whose first words are forced: shared by the issue-17 probes that read a
chained answer link by link (`chain_steps.py`, `matched_probe.py`)."""
import torch
from medvlm.core.records import Turn
from medvlm.model.collate import adds_bos, chat_messages, render


def continue_answers(model, processor, questions:list, images:list, prefixes:list, max_new_tokens:int=24, batch_size:int=50) -> list:
    "What the model writes after each forced answer prefix (prefix excluded), asked each question about its image."
    texts = []
    for at in range(0, len(questions), batch_size):
        prompts = [render(processor, chat_messages([Turn('human', q)], True), True) + p
                   for q, p in zip(questions[at:at + batch_size], prefixes[at:at + batch_size])]
        processor.tokenizer.padding_side = 'left'
        inputs = processor(images=[[im] for im in images[at:at + batch_size]], text=prompts, return_tensors='pt', padding=True,
                           add_special_tokens=adds_bos(processor.tokenizer, prompts))
        with torch.no_grad(): out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False)
        texts += processor.batch_decode(out[:, inputs['input_ids'].shape[1]:], skip_special_tokens=True)
    return texts
