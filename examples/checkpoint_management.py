"""Checkpoints: save, list, load, publish, TTL, delete, and resume training from a saved state.

Runs offline: without TINKER_BASE_URL it starts the embedded local server (pass --model for another server).
"""

import argparse

import numpy as np

import tinker
from tinker.embedded import connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model")
    parser.add_argument("--local", action="store_true")
    args = parser.parse_args()
    with connect(args.local) as connection:
        service = connection.service_client()
        rest = connection.rest_client()
        training = service.create_lora_training_client(
            connection.model(args.model, "tinker-local/tiny"), rank=8
        ).result()
        tokens = np.array(training.get_tokenizer().encode("checkpoints keep training safe"))
        batch = [
            tinker.Datum(
                model_input=tinker.ModelInput.from_ints(tokens[:-1].tolist()),
                loss_fn_inputs={"target_tokens": tokens[1:]},
            )
        ]
        training.forward_backward(batch, "cross_entropy")
        training.optim_step(tinker.AdamParams(learning_rate=1e-2)).result()

        state = training.save_state("step-1").result().path
        sampler_weights = training.save_weights_for_sampler("step-1-sampler", ttl_seconds=3600).result().path
        print("saved", state, "and", sampler_weights)

        for checkpoint in rest.list_checkpoints(training.model_id).result().checkpoints:
            print(
                f"  {checkpoint.checkpoint_id:28} {checkpoint.checkpoint_type:8} {checkpoint.size_bytes} bytes"
                f" expires {checkpoint.expires_at}"
            )
        print("weights info:", rest.get_weights_info_by_tinker_path(state).result())

        rest.publish_checkpoint_from_tinker_path(state).result()
        print("published:", [c.public for c in rest.list_checkpoints(training.model_id).result().checkpoints])
        rest.unpublish_checkpoint_from_tinker_path(state).result()
        rest.set_checkpoint_ttl_from_tinker_path(sampler_weights, 600).result()

        expected = training.forward(batch, "cross_entropy").result().metrics["loss:sum"]
        resumed = service.create_training_client_from_state_with_optimizer(state).result()
        got = resumed.forward(batch, "cross_entropy").result().metrics["loss:sum"]
        print(f"resumed {resumed.model_id}: loss {got:.4f} (the saved run: {expected:.4f})")
        if got != expected:
            raise SystemExit("the resumed run does not have the saved weights")

        rest.delete_checkpoint_from_tinker_path(sampler_weights).result()
        left = [c.checkpoint_id for c in rest.list_checkpoints(training.model_id).result().checkpoints]
        print("after delete:", left)
        if "sampler_weights/step-1-sampler" in left:
            raise SystemExit("the checkpoint was not deleted")
        print("all training runs:", [run.training_run_id for run in rest.iter_training_runs()])


if __name__ == "__main__":
    main()
