"""Fine-tuning: training examples, the training step and loop, and the Ray Train glue (`trainer_ray`)."""
