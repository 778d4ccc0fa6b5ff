// FedBotRuntime
