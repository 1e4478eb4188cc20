# Test fixture for tests/test_slurm.py, not part of the workflow: a stand-in for the training
# rule that always fails, so that the retries and the attempt-scaled memory that
# profiles/slurm configures for `train_ground` are exercised by a real SLURM cluster.


rule train_ground:
    output:
        "results/slurm-test/train_ground.done",
    log:
        "logs/slurm-test/train_ground.log",
    shell:
        "echo 'deliberate failure: mem_mb={resources.mem_mb} threads={threads}' > {log}; exit 3"
