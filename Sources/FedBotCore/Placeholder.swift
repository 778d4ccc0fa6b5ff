// FedBotCore
