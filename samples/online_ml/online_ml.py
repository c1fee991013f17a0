"""Online machine learning: every batch of data trains a model, better models get deployed, and a
serving task that never ends predicts with whichever model was deployed last.

As in the tutorial, the tasks share files in a ``tmp`` folder next to this file: a worker runs
every task of an execution in one working folder holding the uploaded package, so ``__file__``
names the worker's copy. They tell each other what happened with events.
"""

import os
import shutil
import time

import numpy as np
from ai_flow.model.action import TaskAction
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient, Event, ListenerProcessor
from ai_flow.operators.python import PythonOperator
from joblib import dump, load
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

TRAINING_SET_SIZES = [100, 300, 1297]
"""The training set grows batch by batch: its size after each batch (1297 is every training sample)."""
BATCH_INTERVAL = 3.0
"""Seconds between two batches."""
EVENT_BUS = "localhost:50052"
"""Ignored inside a task (the worker's event bus is used); kept so upstream files run unchanged."""


WORKING_DIR = os.path.join(os.path.dirname(__file__), "tmp")


def working_dir(*parts):
    """Return a path below the ``tmp`` folder the tasks of an execution share."""
    return os.path.join(WORKING_DIR, *parts)


def latest_file(folder):
    """Return the most recently written file of ``folder``, or None."""
    files = [os.path.join(folder, name) for name in os.listdir(folder)] if os.path.isdir(folder) else []
    return max(files, key=os.path.getmtime, default=None)


def save_dataset(name, x, y):
    """Write ``data/<name>.npz`` so that readers never see half a file."""
    os.makedirs(working_dir("data"), exist_ok=True)
    partial = working_dir("data", f"{name}.partial.npz")
    np.savez(partial, x=x, y=y)
    os.replace(partial, working_dir("data", f"{name}.npz"))


def load_dataset(name):
    with np.load(working_dir("data", f"{name}.npz")) as data:
        return data["x"], data["y"]


def produce():
    """Split the digits data set (shipped with scikit-learn) and publish the training part in batches."""
    x, y = load_digits(return_X_y=True)
    order = np.random.RandomState(0).permutation(len(y))
    x, y = x[order], y[order]
    save_dataset("evaluate", x[:300], y[:300])
    save_dataset("predict", x[300:500], y[300:500])
    stream_x, stream_y = x[500:], y[500:]
    client = AIFlowNotificationClient(EVENT_BUS)
    try:
        for batch, size in enumerate(TRAINING_SET_SIZES, start=1):
            save_dataset("train", stream_x[:size], stream_y[:size])
            print(f"Batch {batch}: {size} training samples ready", flush=True)
            client.send_event(key="data_prepared", value=str(size))
            if batch < len(TRAINING_SET_SIZES):
                time.sleep(BATCH_INTERVAL)
    finally:
        client.close()


def train():
    x, y = load_dataset("train")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x, y)
    os.makedirs(working_dir("trained"), exist_ok=True)
    path = working_dir("trained", f"model_{len(y):05d}_samples.joblib")
    dump(model, path)
    print(f"Trained {os.path.basename(path)}", flush=True)


def validate():
    """Pass the newest model on if it beats the deployed one on held-out data."""
    x, y = load_dataset("evaluate")
    candidate = latest_file(working_dir("trained"))
    score = load(candidate).score(x, y)
    deployed = latest_file(working_dir("deployed"))
    deployed_score = load(deployed).score(x, y) if deployed else None
    if deployed_score is not None and score <= deployed_score:
        print(f"{os.path.basename(candidate)} scores {score:.3f}, not better than {deployed_score:.3f}", flush=True)
        return
    os.makedirs(working_dir("validated"), exist_ok=True)
    validated = shutil.copy(candidate, working_dir("validated"))
    print(f"{os.path.basename(candidate)} scores {score:.3f}: validated", flush=True)
    client = AIFlowNotificationClient(EVENT_BUS)
    try:
        client.send_event(key="model_validated", value=validated)
    finally:
        client.close()


def deploy():
    """Stand-in for a real rollout: copy the newest validated model to the deployed folder."""
    os.makedirs(working_dir("deployed"), exist_ok=True)
    deployed = shutil.copy(latest_file(working_dir("validated")), working_dir("deployed"))
    client = AIFlowNotificationClient(EVENT_BUS)
    try:
        client.send_event(key="model_deployed", value=deployed)
    finally:
        client.close()
    print(f"Deployed {os.path.basename(deployed)}", flush=True)


class ModelLoader(ListenerProcessor):
    """Remembers the path of the model most recently deployed."""

    def __init__(self):
        self.current_model = None

    def process(self, events: list[Event]):
        for event in events:
            self.current_model = event.value


def predict():
    """Serve forever: predict with each model as soon as it is deployed."""
    loader = ModelLoader()
    client = AIFlowNotificationClient(EVENT_BUS)
    client.register_listener(listener_processor=loader, event_keys=["model_deployed"])
    # Listen first, then pick up a model deployed before this task started: none is missed.
    loader.current_model = loader.current_model or latest_file(working_dir("deployed"))
    serving = None
    try:
        while True:
            if loader.current_model != serving:
                serving = loader.current_model
                x, y = load_dataset("predict")
                predictions = load(serving).predict(x)
                line = (f"{os.path.basename(serving)}: {len(predictions)} predictions, "
                        f"accuracy {np.mean(predictions == y):.3f}, first ten {predictions[:10].tolist()}")
                with open(working_dir("predictions.txt"), "a") as output:
                    output.write(line + "\n")
                print(f"Predicted with {line}", flush=True)
            time.sleep(0.5)
    finally:
        client.close()


with Workflow(name="online_machine_learning") as workflow:
    producing = PythonOperator(name="producing", python_callable=produce)
    training = PythonOperator(name="training", python_callable=train)
    validating = PythonOperator(name="validating", python_callable=validate)
    deploying = PythonOperator(name="deploying", python_callable=deploy)
    predicting = PythonOperator(name="predicting", python_callable=predict)

    training.action_on_event_received(action=TaskAction.START, event_key="data_prepared")
    validating.start_after(training)
    deploying.action_on_event_received(action=TaskAction.START, event_key="model_validated")
