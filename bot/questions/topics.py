"""The ten question topics, with bilingual labels."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    """One question topic: a stable id plus its English and Chinese labels."""

    id: str
    en: str
    zh: str

    def label(self, lang: str) -> str:
        """The label in `lang` (`zh` or anything else for English)."""
        return self.zh if lang == "zh" else self.en


TOPICS: dict[str, Topic] = {
    topic.id: topic
    for topic in (
        Topic("ml-fundamentals", "Machine learning fundamentals", "机器学习基础"),
        Topic("dl-training", "Deep learning training", "深度学习训练"),
        Topic("cnn-vision", "CNNs and computer vision", "CNN 与计算机视觉"),
        Topic("generative", "Generative models", "生成模型"),
        Topic("transformers-llm", "Transformers and LLMs", "Transformer 与大模型"),
        Topic("retrieval-rag", "Retrieval and RAG", "检索与 RAG"),
        Topic("finetuning-alignment", "Fine-tuning and alignment", "微调与对齐"),
        Topic("evaluation-metrics", "Evaluation and metrics", "评估与指标"),
        Topic("mlops-deployment", "MLOps and deployment", "MLOps 与部署"),
        Topic("prompting-agents", "Prompting and agents", "提示工程与智能体"),
    )
}
TOPIC_IDS: tuple[str, ...] = tuple(TOPICS)
