#!/bin/bash
# Retrain the tiny base with the untied-embedding recipe on branch base-untied (resumable: rerun to continue).
cd /work/base-untied && PYTHONPATH=/work/base-untied OMP_NUM_THREADS=1 /work/main/.venv/bin/medvlm pretrain --preset base \
  --data /work/main/data/synthetic/generic --out /work/base-untied/models/tiny-base >> /work/base-untied/pretrain.log 2>&1
